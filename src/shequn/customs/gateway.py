"""The port to the customs single window, and the platform's signer.

``submit(data)`` hands one enveloped message over and returns any receipt the
other side answered at once (a CEB900 format error). Receipts that come later
are pushed over HTTP to ``/api/v1/customs/receipts`` by a separate simulator or
the real terminal, or, from the embedded simulator, handed to the ``deliver``
callable its caller gives (``services.receive``; this module does not know the
services that use it).

``SHEQUN["CUSTOMS_GATEWAY"]``: ``embedded`` (default: the simulator in this
process) or an ``http://…/ceb`` URL (``shequn customs-sim`` or a real adapter).
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from django.conf import settings

from shequn.catalog.models import SKU
from shequn.customs.ceb import signing
from shequn.customs.sim.config import SimConfig, from_mapping
from shequn.customs.sim.window import Receipt, SingleWindow
from shequn.customs.simstate import DatabaseStore
from shequn.taxes import engine

log = logging.getLogger("shequn.customs")


# What receives a receipt message (the bytes customs sent back).
Deliver = Callable[[bytes], object]


class GatewayError(RuntimeError):
    """The message did not reach the other side; the send is retried."""


class Gateway(Protocol):
    def submit(self, data: bytes) -> list[bytes]: ...


class HttpGateway:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url, self.timeout = url, timeout

    def submit(self, data: bytes) -> list[bytes]:
        request = urllib.request.Request(self.url, data=data, method="POST",  # noqa: S310
                                         headers={"Content-Type": "application/xml"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                body = resp.read()
                kind = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:  # a CEB900 comes back as 4xx with XML
            body, kind = exc.read(), exc.headers.get("Content-Type", "")
            if "xml" not in kind:
                raise GatewayError(f"HTTP {exc.code} from {self.url}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise GatewayError(f"{self.url}: {exc}") from exc
        return [body] if "xml" in kind else []


class EmbeddedGateway:
    """The simulator in this process (demo and tests). ``pump`` runs its
    scheduler and hands due receipts to ``deliver``; a receipt whose handling
    fails is retried by the simulator with backoff, as a real terminal
    redelivers."""

    def __init__(self, deliver: Deliver) -> None:
        conf = dict(settings.SHEQUN.get("CUSTOMS_SIM", {}))
        cert = Path(platform_cert_file())
        vat, ct, duty = _tariff()
        base = SimConfig(trusted_certs=(str(cert),), vat_rates=vat, ct_rates=ct, tariff_rates=duty)

        def hand_over(receipt: Receipt) -> None:
            deliver(receipt.body())

        config = from_mapping(conf, base) if conf else base
        # Its state outlives the process: in the database, or in the JSON file
        # CUSTOMS_SIM["snapshot_path"] names.
        store = None if config.snapshot_path else DatabaseStore()
        self.window = SingleWindow(config, deliver=hand_over, store=store)

    def submit(self, data: bytes) -> list[bytes]:
        result = self.window.submit(data)
        return [result.receipt] if result.receipt else []

    def pump(self) -> int:
        return len(self.window.tick())


def _tariff() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The simulated customs' tariff: VAT, consumption tax and MFN duty per HS
    code, as the catalog declares them (real customs has its own tariff
    database; the simulator needs one that agrees with the goods sold)."""
    vat: dict[str, str] = {}
    ct: dict[str, str] = {}
    duty: dict[str, str] = {}
    for sku in SKU.objects.all().only("hs_code", "vat_rate", "consumption_tax_rule",
                                      "consumption_tax_rate", "price", "net_content",
                                      "net_content_unit", "tariff_rate"):
        vat[sku.hs_code] = str(sku.vat_rate)
        ct[sku.hs_code] = str(engine.effective_consumption_tax_rate(
            sku.consumption_tax_rule, sku.consumption_tax_rate, sku.price, sku.net_content,
            sku.net_content_unit))
        duty[sku.hs_code] = str(sku.tariff_rate)
    return vat, ct, duty


_lock = threading.Lock()
_embedded: EmbeddedGateway | None = None


def embedded(deliver: Deliver) -> EmbeddedGateway:
    """The process's embedded simulator, created on first use with ``deliver``
    as the receiver of its receipts."""
    global _embedded
    with _lock:
        if _embedded is None:
            _embedded = EmbeddedGateway(deliver)
        return _embedded


def reset_embedded() -> None:
    """Drop this process's simulator, as a restart does: the next use starts a
    new one from the saved state (tests; each test's database starts empty)."""
    global _embedded
    with _lock:
        _embedded = None


def is_embedded() -> bool:
    return str(settings.SHEQUN.get("CUSTOMS_GATEWAY", "embedded")) == "embedded"


def get_gateway(deliver: Deliver) -> Gateway:
    """The configured gateway; ``deliver`` receives the receipts the embedded
    simulator sends later (an HTTP gateway's come through the receipts API)."""
    if is_embedded():
        return embedded(deliver)
    return HttpGateway(str(settings.SHEQUN["CUSTOMS_GATEWAY"]))


def _key_dir() -> Path:
    return Path(settings.VAR_DIR) / "ceb"


def platform_signer() -> signing.RsaSha256Signer:
    """The configured signing key; in the demo (nothing configured) a key pair
    generated once into var/ceb/ — never for production (logged)."""
    try:
        return signing.signer_from_config(settings.SHEQUN.get("CEB_KEY_FILE"),
                                          settings.SHEQUN.get("CEB_CERT_FILE"))
    except signing.SigningNotConfigured:
        key, cert = _demo_keypair()
        return signing.RsaSha256Signer.from_files(key, cert)


def platform_cert_file() -> str:
    configured = settings.SHEQUN.get("CEB_CERT_FILE")
    if configured:
        return str(configured)
    return str(_demo_keypair()[1])


def _demo_keypair() -> tuple[Path, Path]:
    directory = _key_dir()
    key, cert = directory / "ceb-sign.key", directory / "ceb-sign.crt"
    with _lock_keys:
        if not (key.exists() and cert.exists()):
            log.warning("no CEB signing key configured: generating a demo key in %s", directory)
            signing.generate_demo_keypair(directory)
    return key, cert


_lock_keys = threading.Lock()
