"""The platform's ledger of each person's CBEC annual quota (invariant 3).

``reserved`` holds what unpaid orders will use; ``used`` what paid orders did.
The limit is enforced by one conditional UPDATE on the (id_hash, year) row, so
two concurrent orders with the same resident ID cannot together pass it. Every
change appends a QuotaMove; each (kind, ref) happens at most once, which makes
every function here idempotent."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from shequn.checkout.errors import CheckoutError
from shequn.checkout.models import QuotaAccount, QuotaMove
from shequn.core.money import ZERO

Kind = QuotaMove.Kind


def annual_limit() -> Decimal:
    return Decimal(settings.SHEQUN["ANNUAL_LIMIT"])


def _account(id_hash: str, year: int) -> QuotaAccount:
    account = QuotaAccount.objects.filter(id_hash=id_hash, year=year).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return QuotaAccount.objects.create(id_hash=id_hash, year=year)
    except IntegrityError:  # created concurrently by another order
        return QuotaAccount.objects.get(id_hash=id_hash, year=year)


def annual_used(id_hash: str, year: int) -> Decimal:
    """What counts against the limit now: paid plus held by unpaid orders."""
    row = QuotaAccount.objects.filter(id_hash=id_hash, year=year).values("used", "reserved")
    first = row.first()
    return (first["used"] + first["reserved"]) if first else ZERO


def _move_amount(account: QuotaAccount, kind: str, ref: str) -> Decimal | None:
    return (QuotaMove.objects.filter(account=account, kind=kind, ref=ref)
            .values_list("amount", flat=True).first())


@transaction.atomic
def reserve(id_hash: str, year: int, amount: Decimal, ref: str) -> None:
    account = _account(id_hash, year)
    if _move_amount(account, Kind.RESERVE, ref) is not None:
        return
    limit = annual_limit()
    changed = (QuotaAccount.objects
               .filter(pk=account.pk, used__lte=limit - amount - F("reserved"))
               .update(reserved=F("reserved") + amount))
    if changed != 1:
        raise CheckoutError.OVER_ANNUAL_LIMIT.error(limit=limit,
                                                    used=annual_used(id_hash, year))
    QuotaMove.objects.create(account=account, kind=Kind.RESERVE, amount=amount, ref=ref)


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
