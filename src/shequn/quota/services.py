"""The platform's ledger of each person's CBEC annual quota (invariant 3).

``reserved`` holds what unpaid orders will use; ``used`` what paid orders did.
The limit is enforced by one conditional UPDATE on the (id_hash, year) row, so
two concurrent orders with the same resident ID cannot together pass it. Every
change appends a QuotaMove; each (kind, ref) happens at most once, which makes
every function here idempotent. The SQL names the tables
(``checkout_quota*``, see models.py) as they are in the database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from shequn.core import clock
from shequn.core.money import ZERO, q2
from shequn.quota.errors import QuotaError
from shequn.quota.models import QuotaAccount, QuotaMove
from shequn.quota.selectors import annual_limit, annual_used

Kind = QuotaMove.Kind


# One statement creates the account or adds to it, but only while the limit
# holds (the conflict branch's WHERE); no row back means over the limit.
_UPSERT = (
    "INSERT INTO checkout_quotaaccount (id_hash, year, used, reserved) VALUES (%s, %s, 0, %s)"
    " ON CONFLICT (id_hash, year) DO UPDATE"
    " SET reserved = checkout_quotaaccount.reserved + excluded.reserved"
    " WHERE checkout_quotaaccount.used + checkout_quotaaccount.reserved + excluded.reserved"
    " <= %s RETURNING id")
# PostgreSQL also writes the ledger row in the same statement.
_PG_RESERVE = ("WITH u AS (" + _UPSERT + ") INSERT INTO checkout_quotamove"
               " (account_id, kind, amount, ref, at)"
               " SELECT u.id, 'reserve', %s, %s, %s FROM u RETURNING account_id")


def reserve(id_hash: str, year: int, amount: Decimal, ref: str) -> None:
    """Hold ``amount`` of the person's annual quota for order ``ref``, or raise
    ``over_annual_limit`` (changing nothing). One statement on PostgreSQL, so
    no savepoint is needed: a refusal leaves the caller's transaction usable."""
    limit = annual_limit()
    if amount > limit:
        raise QuotaError.OVER_ANNUAL_LIMIT.error(limit=limit, used=annual_used(id_hash, year))
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(_PG_RESERVE, [id_hash, year, amount, limit, amount, ref, clock.now()])
            rows = cur.fetchall()
        else:
            cur.execute(_UPSERT, [id_hash, year, amount, limit])
            rows = cur.fetchall()
            if rows:
                QuotaMove.objects.create(account_id=rows[0][0], kind=Kind.RESERVE,
                                         amount=amount, ref=ref)
    if not rows:
        raise QuotaError.OVER_ANNUAL_LIMIT.error(limit=limit, used=annual_used(id_hash, year))


# _settle's two statements. The first locks the account row (found through the
# source move); the second starts after the lock is held, so its snapshot sees
# every closing move a transaction that held the lock before us committed: the
# "no closing move twice" check happens under the row lock. Only "%s"
# placeholders and column names from _FIELDS are formatted into these.
_FIELDS = {"reserved", "used"}


def _settle_lock_sql() -> str:
    lock = " FOR UPDATE OF a" if connection.vendor == "postgresql" else ""
    return ("SELECT m.account_id, m.amount FROM checkout_quotamove m"
            " JOIN checkout_quotaaccount a ON a.id = m.account_id"
            " WHERE m.kind = %s AND m.ref = %s ORDER BY m.id LIMIT 1" + lock)


def _closed_sql(kinds: int) -> str:
    marks = ", ".join(["%s"] * kinds)
    return ("SELECT EXISTS (SELECT 1 FROM checkout_quotamove WHERE account_id = %s"
            f" AND kind IN ({marks}) AND ref = %s)")


def _settle_update_sql(field_from: str, field_to: str | None) -> str:
    assert field_from in _FIELDS and field_to in (_FIELDS | {None})
    sets = f"{field_from} = {field_from} - %s"
    if field_to:
        sets += f", {field_to} = {field_to} + %s"
    return (f"UPDATE checkout_quotaaccount SET {sets}"
            f" WHERE id = %s AND {field_from} >= %s")


_MOVE_INTO = "INSERT INTO checkout_quotamove (account_id, kind, amount, ref, at)"
_INSERT_MOVE = _MOVE_INTO + " VALUES (%s, %s, %s, %s, %s)"


def _settle(ref: str, source: str, target: str, field_from: str, field_to: str | None) -> bool:
    """Apply one transition of ``ref`` exactly once: lock the account row, check
    the source move exists and no closing move does, move the amount (a
    guarded UPDATE: the source field never goes below zero) and append the
    ledger row. Two statements on PostgreSQL, four on SQLite."""
    closing = _closing(source)
    with connection.cursor() as cur:
        cur.execute(_settle_lock_sql(), [str(source), ref])
        row = cur.fetchone()
        if row is None:
            return False
        account_id, amount = row[0], row[1]
        if not isinstance(amount, Decimal):  # SQLite hands back a number
            amount = q2(Decimal(str(amount)))
        now = connection.ops.adapt_datetimefield_value(clock.now())
        money = connection.ops.adapt_decimalfield_value(amount, 12, 2)
        update = _settle_update_sql(field_from, field_to)
        update_params: list[Any] = [money, *([money] if field_to else []), account_id, money]
        closed_params = [account_id, *map(str, closing), ref]
        insert_params = [account_id, str(target), money, ref, now]
        closed_sql = _closed_sql(len(closing))
        if connection.vendor == "postgresql":
            cur.execute(f"WITH c AS ({closed_sql} AS closed),"
                        f" u AS ({update} AND NOT (SELECT closed FROM c) RETURNING id),"
                        f" i AS ({_MOVE_INTO}"
                        " SELECT u.id, %s, %s, %s, %s FROM u RETURNING id)"
                        " SELECT (SELECT closed FROM c), (SELECT count(*) FROM i)",
                        [*closed_params, *update_params, *insert_params[1:]])
            closed, done = cur.fetchone()
        else:
            cur.execute(closed_sql, closed_params)
            closed = bool(cur.fetchone()[0])
            done = 0
            if not closed:
                cur.execute(update, update_params)
                if cur.rowcount == 1:
                    cur.execute(_INSERT_MOVE, insert_params)
                    done = cur.rowcount
    if closed:
        return False
    if done != 1:
        # Cannot happen while the ledger balances (the source move put the
        # amount there); refused like the CHECK constraints would.
        raise IntegrityError(f"quota ledger of {ref} does not hold {amount} in {field_from}")
    return True


def _closing(source: str) -> list[str]:
    # A reservation is closed by consuming or releasing it; a consumption by a refund.
    return [Kind.CONSUME, Kind.RELEASE] if source == Kind.RESERVE else [Kind.REFUND]


@transaction.atomic(savepoint=False)
def consume(ref: str) -> bool:
    """The order was paid: its reservation becomes use."""
    return _settle(ref, Kind.RESERVE, Kind.CONSUME, "reserved", "used")


@transaction.atomic(savepoint=False)
def release(ref: str) -> bool:
    """The unpaid order was cancelled or timed out: give the reservation back."""
    return _settle(ref, Kind.RESERVE, Kind.RELEASE, "reserved", None)


@transaction.atomic(savepoint=False)
def refund(ref: str) -> bool:
    """A paid order was refunded or cancelled at customs: give the use back."""
    return _settle(ref, Kind.CONSUME, Kind.REFUND, "used", None)


@transaction.atomic
def give_back(ref: str, part: str, amount: Decimal) -> Decimal:
    """A part of paid order ``ref`` was returned: give ``amount`` of its use back
    (at most what the order still holds), once per ``part`` (the return's own
    reference, e.g. ``<order>/R12``). Returns what was given back."""
    consumed = QuotaMove.objects.filter(kind=Kind.CONSUME, ref=ref).first()
    if consumed is None or amount <= ZERO:
        return ZERO
    account = QuotaAccount.objects.select_for_update().get(pk=consumed.account_id)
    moves = QuotaMove.objects.filter(account=account, kind=Kind.REFUND)
    if moves.filter(ref=part).exists():
        return ZERO
    taken = sum((m.amount for m in moves.filter(ref__startswith=f"{ref}/")), ZERO)
    if moves.filter(ref=ref).exists():
        taken = consumed.amount  # refunded in full already
    amount = min(amount, consumed.amount - taken)
    if amount <= ZERO:
        return ZERO
    QuotaAccount.objects.filter(pk=account.pk).update(used=F("used") - amount)
    QuotaMove.objects.create(account=account, kind=Kind.REFUND, amount=amount, ref=part)
    return amount
