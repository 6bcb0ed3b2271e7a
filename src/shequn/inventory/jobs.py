"""Inventory jobs: a report of stock close to expiry (read-only, safe to re-run)."""

from __future__ import annotations

import datetime as dt

from shequn.core import clock
from shequn.inventory.selectors import expiring


def expiry_report(days: int = 30) -> list[dict[str, object]]:
    """Batches with units on hand that expire within ``days`` days."""
    limit = clock.today() + dt.timedelta(days=days)
    return [{"warehouse": s.warehouse.code, "sku": s.sku.code, "lot": s.batch.lot,
             "expiry": s.batch.expiry, "on_hand": s.on_hand, "reserved": s.reserved}
            for s in expiring(limit)]
