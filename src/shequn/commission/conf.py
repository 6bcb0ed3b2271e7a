"""Commission settings (settings.SHEQUN keys, each with a default here)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

DEFAULTS: dict[str, str] = {
    "COMMISSION_WITHDRAWAL_MIN": "10.00",
    "COMMISSION_WITHDRAWAL_FEE_RATE": "0",
    "COMMISSION_WITHDRAWAL_FEE_FIXED": "0.00",
}


def decimal_setting(key: str) -> Decimal:
    return Decimal(str(settings.SHEQUN.get(key, DEFAULTS[key])))


def after_sales_days() -> int:
    return int(settings.SHEQUN.get("AFTER_SALES_DAYS", 7))
