"""The platform's ledger of each person's CBEC annual quota (invariant 3).

``reserved`` holds what unpaid orders will use; ``used`` what paid orders did.
The limit is enforced by one conditional UPDATE on the (id_hash, year) row, so
two concurrent orders with the same resident ID cannot together pass it. Every
change appends a QuotaMove; each (kind, ref) happens at most once, which makes
every function here idempotent."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from shequn.checkout.errors import CheckoutError
from shequn.checkout.models import QuotaAccount, QuotaMove
from shequn.core import clock
from shequn.core.money import ZERO

Kind = QuotaMove.Kind


def annual_limit() -> Decimal:
    return Decimal(settings.SHEQUN["ANNUAL_LIMIT"])


def annual_used(id_hash: str, year: int) -> Decimal:
    """What counts against the limit now: paid plus held by unpaid orders."""
    row = QuotaAccount.objects.filter(id_hash=id_hash, year=year).values("used", "reserved")
    first = row.first()
    return (first["used"] + first["reserved"]) if first else ZERO


def _move_amount(account: QuotaAccount, kind: str, ref: str) -> Decimal | None:
    return (QuotaMove.objects.filter(account=account, kind=kind, ref=ref)
            .values_list("amount", flat=True).first())


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
        raise CheckoutError.OVER_ANNUAL_LIMIT.error(limit=limit, used=annual_used(id_hash, year))
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
        raise CheckoutError.OVER_ANNUAL_LIMIT.error(limit=limit, used=annual_used(id_hash, year))


def _settle(ref: str, source: str, target: str, field_from: str, field_to: str | None) -> bool:
    """Apply one transition of ``ref`` exactly once: lock the account row, check
    the source move exists and the target does not, move the amount."""
    move = QuotaMove.objects.filter(kind=source, ref=ref).select_related("account").first()
    if move is None:
        return False
    account = QuotaAccount.objects.select_for_update().get(pk=move.account_id)
    if QuotaMove.objects.filter(account=account, kind__in=_closing(source), ref=ref).exists():
        return False
    updates = {field_from: F(field_from) - move.amount}
    if field_to:
        updates[field_to] = F(field_to) + move.amount
    QuotaAccount.objects.filter(pk=account.pk).update(**updates)
    QuotaMove.objects.create(account=account, kind=target, amount=move.amount, ref=ref)
    return True


def _closing(source: str) -> list[str]:
    # A reservation is closed by consuming or releasing it; a consumption by a refund.
    return [Kind.CONSUME, Kind.RELEASE] if source == Kind.RESERVE else [Kind.REFUND]


@transaction.atomic
def consume(ref: str) -> bool:
    """The order was paid: its reservation becomes use."""
    return _settle(ref, Kind.RESERVE, Kind.CONSUME, "reserved", "used")


@transaction.atomic
def release(ref: str) -> bool:
    """The unpaid order was cancelled or timed out: give the reservation back."""
    return _settle(ref, Kind.RESERVE, Kind.RELEASE, "reserved", None)


@transaction.atomic
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
