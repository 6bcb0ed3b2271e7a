"""Booking helpers for the append-only double-entry ledger (internal; the
services call them inside their transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F

from shequn.commission.models import Account, LeaderBalance, Posting
from shequn.core import clock

Leg = tuple[str, Decimal]  # (account, signed amount: debit +, credit −)


def book(entry: str, kind: str, leader_id: int, legs: Sequence[Leg], **refs: Any) -> bool:
    """Book one journal entry; returns False if it was booked before (the entry
    key is the idempotency key). The legs must sum to zero."""
    if sum((amount for _, amount in legs), Decimal("0")) != 0:
        raise ValueError(f"unbalanced entry {entry}: {legs}")
    if Posting.objects.filter(entry=entry).exists():
        return False
    at = clock.now()
    Posting.objects.bulk_create([
        Posting(entry=entry, seq=i, kind=kind, account=account, leader_id=leader_id,
                amount=amount, at=at, **refs)
        for i, (account, amount) in enumerate(legs, start=1)])
    available = sum((amount for account, amount in legs if account == Account.AVAILABLE),
                    Decimal("0"))
    if available:
        # AVAILABLE is a liability: a debit (+) lowers the leader's balance.
        adjust_available(leader_id, -available)
    return True


def adjust_available(leader_id: int, delta: Decimal) -> None:
    """Keep the balance row in step with the AVAILABLE postings (may go
    negative: a clawback is netted from later payouts)."""
    changed = LeaderBalance.objects.filter(leader_id=leader_id).update(
        available=F("available") + delta)
    if not changed:
        # First movement of this leader: insert, or add if a concurrent
        # transaction inserted meanwhile (the upsert is atomic on both engines).
        table = LeaderBalance._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} (leader_id, available) VALUES (%s, %s) "  # noqa: S608
                f"ON CONFLICT (leader_id) DO UPDATE SET available = "
                f"{table}.available + excluded.available", [leader_id, delta])
