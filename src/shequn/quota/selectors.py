"""Reads of the quota ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from shequn.core.money import ZERO
from shequn.quota.models import QuotaAccount


def annual_limit() -> Decimal:
    return Decimal(settings.SHEQUN["ANNUAL_LIMIT"])


def annual_used(id_hash: str, year: int) -> Decimal:
    """What counts against the limit now: paid plus held by unpaid orders."""
    row = QuotaAccount.objects.filter(id_hash=id_hash, year=year).values("used", "reserved")
    first = row.first()
    return (first["used"] + first["reserved"]) if first else ZERO
