"""Settings of the network, read from ``settings.SHEQUN`` with defaults.

    LEADER_OPEN_JOIN            False   applications are approved at once
    BINDING_POLICY              "permanent" | "days" | "last_touch"
    BINDING_DAYS                30      "days": a binding lapses after this many days
    BINDING_PROTECTION_DAYS     7       "last_touch": 保护期 after a binding
    INVITE_LINK_MAX_AGE_DAYS    30
    LEADER_GRADE_WINDOW_DAYS    90      grades look at own orders paid in this window
    LEADER_GRADE_THRESHOLDS     {"regular": {...}, "gold": {...}} (see DEFAULT_GRADES)
    LEADER_GRADE_INTERVAL_SECONDS 3600  how often the periodic job recomputes grades
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from shequn.distribution.errors import DistributionError

POLICIES = ("permanent", "days", "last_touch")

# Own sales and service only: never headcount, never team sales (拉人头 risk).
DEFAULT_GRADES: dict[str, dict[str, Any]] = {
    "regular": {"orders": 5, "gmv": "500.00", "max_refund_rate": "0.20"},
    "gold": {"orders": 50, "gmv": "10000.00", "max_refund_rate": "0.10"},
}
_ALLOWED_GRADE_KEYS = frozenset({"orders", "gmv", "max_refund_rate"})


def _get(key: str, default: Any) -> Any:
    return settings.SHEQUN.get(key, default)


def open_join() -> bool:
    return bool(_get("LEADER_OPEN_JOIN", False))


@dataclass(frozen=True)
class BindingPolicy:
    mode: str
    days: int
    protection_days: int


def binding_policy() -> BindingPolicy:
    mode = str(_get("BINDING_POLICY", "permanent"))
    if mode not in POLICIES:
        raise DistributionError.INVALID_POLICY.error(policy=mode)
    days = int(_get("BINDING_DAYS", 30))
    protection = int(_get("BINDING_PROTECTION_DAYS", 7))
    if days < 1 or protection < 0:
        raise DistributionError.INVALID_POLICY.error(policy=mode)
    return BindingPolicy(mode=mode, days=days, protection_days=protection)


def invite_link_max_age_seconds() -> int:
    return int(_get("INVITE_LINK_MAX_AGE_DAYS", 30)) * 86400


@dataclass(frozen=True)
class GradeRule:
    grade: str
    orders: int
    gmv: Decimal
    max_refund_rate: Decimal


def grade_rules() -> list[GradeRule]:
    """Rules from the highest grade down. A key other than own orders, own GMV
    and refund rate (e.g. a headcount) is refused: grades may not reward recruiting."""
    raw = _get("LEADER_GRADE_THRESHOLDS", DEFAULT_GRADES)
    rules = []
    for grade in ("gold", "regular"):
        spec = {**DEFAULT_GRADES[grade], **raw.get(grade, {})}
        unknown = set(spec) - _ALLOWED_GRADE_KEYS
        if unknown:
            raise DistributionError.INVALID_POLICY.error(keys=sorted(unknown))
        rules.append(GradeRule(grade=grade, orders=int(spec["orders"]),
                               gmv=Decimal(str(spec["gmv"])),
                               max_refund_rate=Decimal(str(spec["max_refund_rate"]))))
    return rules


def grade_window_days() -> int:
    return int(_get("LEADER_GRADE_WINDOW_DAYS", 90))


def grade_interval_seconds() -> int:
    return int(_get("LEADER_GRADE_INTERVAL_SECONDS", 3600))
