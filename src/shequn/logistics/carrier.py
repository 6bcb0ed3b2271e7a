"""Which carrier adapter this process uses (settings ``CARRIER_PROVIDER``):

* ``simulator`` without ``CARRIER_SIM_URL``: the SF simulator in this process
  (demo, tests), its state in the database (``CarrierSimState``);
* ``simulator`` with ``CARRIER_SIM_URL``: ``shequn carrier-sim`` over HTTP;
* ``sf``: SF Express's open platform at ``CARRIER_SF["url"]``.

The adapter is the same ``SfCarrier`` in every case; only its transport differs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction

from shequn.core import clock
from shequn.logistics.carriers.port import Carrier
from shequn.logistics.carriers.sf import SfCarrier, Transport, http_transport
from shequn.logistics.models import CarrierSimState
from shequn.logistics.sim.core import SfSim, SimConfig, config_from

T = TypeVar("T")
EMBEDDED = "embedded"


def provider() -> str:
    return str(settings.SHEQUN.get("CARRIER_PROVIDER", "simulator"))


def is_simulator() -> bool:
    return provider() == "simulator"


# The simulator's own account when no SF account is configured (staging runs the
# simulator without one). It opens nothing real: the simulator exists only where
# envconfig allows it (never in production), and "sf" requires a real account.
SIM_ACCOUNT = {"partner_id": "SHEQUNSIM", "check_word": "shequn-carrier-simulator-word",
               "monthly_card": "7550000000"}


def account() -> dict[str, str]:
    """The SF account this process signs with: the configured one, or the
    simulator's own when the simulator runs without one."""
    conf = {k: str(v or "") for k, v in settings.SHEQUN.get("CARRIER_SF", {}).items()}
    if is_simulator() and not (conf.get("partner_id") and conf.get("check_word")):
        return {**conf, **SIM_ACCOUNT}
    return conf


def is_embedded() -> bool:
    return is_simulator() and not settings.SHEQUN.get("CARRIER_SIM_URL")


def sim_config() -> SimConfig:
    sf_conf = account()
    base = SimConfig(partners={sf_conf["partner_id"]: sf_conf["check_word"]},
                     monthly_card=sf_conf.get("monthly_card", "") or SIM_ACCOUNT["monthly_card"])
    return config_from(dict(settings.SHEQUN.get("CARRIER_SIM", {})), base)


def with_sim(fn: Callable[[SfSim], T]) -> T:
    """Run ``fn`` on the embedded simulator: its state is read under a row lock
    and saved after, in one transaction (every process shares it)."""
    with transaction.atomic():
        row, _ = CarrierSimState.objects.select_for_update().get_or_create(name=EMBEDDED)
        sim = SfSim(sim_config(), json.loads(row.state or "{}"))
        result = fn(sim)
        row.state = json.dumps(sim.state, ensure_ascii=False)
        row.saved_at = clock.now()
        row.save(update_fields=["state", "saved_at"])
    return result


def embedded_transport(form: dict[str, str]) -> bytes:
    answer: dict[str, Any] = with_sim(lambda sim: sim.handle(form, clock.now()))
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")


def transport() -> Transport:
    if is_embedded():
        return embedded_transport
    if is_simulator():
        base = str(settings.SHEQUN["CARRIER_SIM_URL"]).rstrip("/")
        return http_transport(base + "/std/service")
    return http_transport(str(settings.SHEQUN["CARRIER_SF"]["url"]))


def get_carrier() -> Carrier:
    conf = account()
    return SfCarrier(transport(), partner_id=conf.get("partner_id", ""),
                     check_word=conf.get("check_word", ""),
                     monthly_card=conf.get("monthly_card", ""),
                     sleep=(lambda s: None) if is_embedded() else time.sleep,
                     now=lambda: clock.now().timestamp())
