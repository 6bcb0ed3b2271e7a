"""Simulator configuration: one dataclass, loadable from JSON, environment
(``SHEQUN_SIM_<FIELD>``) and CLI flags, in that order of precedence (flags win)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DELAY_FIELDS = ("eport_delay", "check_delay", "review_delay", "release_delay", "tax_delay",
                "close_delay", "doc_delay", "cancel_delay", "refund_delay")


@dataclass(frozen=True)
class SimConfig:
    # Delays in seconds between the steps customs takes (0 = as soon as ticked).
    eport_delay: float = 0.0     # receipt 2 (电子口岸申报中) after submission
    doc_delay: float = 0.0       # 311/411/511/513: 2 → 120
    check_delay: float = 0.0     # 621: 2 → 120 (logic check) or 100 / negative code
    review_delay: float = 0.0    # 300 / 500 → 800
    release_delay: float = 0.0   # 120 → 800 when not held
    tax_delay: float = 0.0       # 800 → CEB816
    close_delay: float = 0.0     # 800 → 899
    cancel_delay: float = 0.0    # 623: 2 → 120 → 399
    refund_delay: float = 0.0    # 625: 2 → 120 → 399

    # Rules.
    single_limit: str = "5000"
    annual_limit: str = "26000"
    quota_measure: str = "taxable"   # "taxable" (P = goods + freight + insurance) or "paid"
    vat_rate: str = "0.13"
    vat_rates: dict[str, str] = field(default_factory=dict)      # HS prefix → VAT rate (9 % goods)
    ct_rates: dict[str, str] = field(default_factory=dict)       # HS prefix → CT rate
    tariff_rates: dict[str, str] = field(default_factory=dict)   # HS prefix → MFN rate
    payer_must_be_buyer: bool = True
    return_window_days: int = 30
    cancel_after_release: bool = False  # spec: -623005 when the status does not allow it
    emit_sent_status: bool = False  # 621: also send 3 (发送海关成功) between 2 and 120

    # Signatures: PEM certificates whose keys may sign 621/623/625.
    trusted_certs: tuple[str, ...] = ()
    accept_unsigned: bool = False        # skip cryptographic verification (tests, demo)

    # Failure injection (shares are probabilities 0..1, drawn from a seeded RNG).
    seed: int = 0
    reject_rate: float = 0.0
    reject_reasons: tuple[str, ...] = ("[Code:2101;Desc:风险布控退单]",
                                       "[Code:2102;Desc:商品信息与备案不符]")
    review_rate: float = 0.0       # hold for manual review (300)
    inspection_rate: float = 0.0   # hold for inspection (500)
    hold_reject_rate: float = 0.0  # share of held declarations rejected (100) after the hold
    duplicate_rate: float = 0.0    # deliver a receipt twice
    reorder_window: int = 0        # shuffle receipts within windows of this size
    reorder_jitter: float = 0.0    # extra random delivery delay per receipt, seconds
    drop_rate: float = 0.0         # HTTP: close the socket without answering
    drop_after_processing: bool = False  # True: the submission is kept, only the reply is lost

    # Delivery.
    callback_url: str = ""
    # Sent as ``Authorization: Bearer <token>`` with every receipt; Shequn refuses
    # receipts without it (SHEQUN["CUSTOMS_RECEIPT_TOKEN"]). Prefer the
    # SHEQUN_SIM_CALLBACK_TOKEN environment variable to the flag (ps shows flags).
    callback_token: str = ""
    wrap_dxp: bool = False         # deliver receipts inside a DxpMsg envelope
    sender_id: str = "DXPEDCCEB0000002"
    deliver_ceb900: bool = True    # also push CEB900 through the callback
    max_attempts: int = 8
    retry_backoff: float = 0.5     # seconds, doubled per attempt
    http_timeout: float = 5.0
    tick_interval: float = 0.2     # process mode: scheduler period
    snapshot_path: str = ""

    def with_delay(self, seconds: float) -> SimConfig:
        """Every step delay set to ``seconds`` (``--delay``)."""
        changes: dict[str, Any] = {name: float(seconds) for name in DELAY_FIELDS}
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _coerce(name: str, value: Any) -> Any:
    """Turn JSON / env / flag values into the field's type."""
    default = getattr(SimConfig(), name)
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, tuple):
        if isinstance(value, str):
            return tuple(v for v in value.split(",") if v)
        return tuple(value)
    if isinstance(default, dict):
        data = json.loads(value) if isinstance(value, str) else value
        return {str(k): str(v) for k, v in data.items()}
    return str(value)


def from_mapping(data: Mapping[str, Any], base: SimConfig | None = None) -> SimConfig:
    names = {f.name for f in fields(SimConfig)}
    unknown = set(data) - names - {"delay"}
    if unknown:
        raise ValueError(f"unknown simulator settings: {', '.join(sorted(unknown))}")
    config = base or SimConfig()
    if "delay" in data:
        config = config.with_delay(float(data["delay"]))
    return replace(config, **{k: _coerce(k, v) for k, v in data.items() if k != "delay"})


def from_json(path: str | Path, base: SimConfig | None = None) -> SimConfig:
    return from_mapping(json.loads(Path(path).read_text(encoding="utf-8")), base)


def from_env(env: Mapping[str, str] | None = None, base: SimConfig | None = None
             ) -> SimConfig:
    env = os.environ if env is None else env
    prefix = "SHEQUN_SIM_"
    data = {k[len(prefix):].lower(): v for k, v in env.items() if k.startswith(prefix)}
    return from_mapping(data, base) if data else (base or SimConfig())
