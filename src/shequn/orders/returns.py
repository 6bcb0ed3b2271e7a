"""After-sales: returns after delivery and the completion of orders.

An order completes ``AFTER_SALES_DAYS`` after delivery when no return request is
open; only completed orders settle commission. A return request names lines and
quantities; the amounts it will refund (goods and the tax paid on them) are fixed
when it is made, pro rata to quantity, so every later step agrees on them.

    open ─► approved ─► refunded      (customs clears the return, then the money goes back)
      └──► rejected

Each function is one transaction and moves forward only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext_noop

from shequn.checkout import quota
from shequn.core import audit, clock, outbox
from shequn.core.money import ZERO, q2
from shequn.orders.errors import OrderError
from shequn.orders.models import AfterSale, AfterSaleLine, Order, OrderLine
from shequn.orders.services import _lock, _require_operator, _transition

S = Order.State
OPEN_STATES = (AfterSale.State.OPEN, AfterSale.State.APPROVED)


def _window_days() -> int:
    return int(settings.SHEQUN["AFTER_SALES_DAYS"])


@transaction.atomic
def complete(order_id: Any) -> bool:
    """Complete a delivered order whose after-sales window has passed with no
    open return request. False (nothing changes) otherwise."""
    order = _lock(order_id)
    if order.state != S.DELIVERED or order.delivered_at is None:
        return False
    if order.delivered_at + dt.timedelta(days=_window_days()) > clock.now():
        return False
    if order.after_sales.filter(state__in=OPEN_STATES).exists():
        return False
    return _transition(order, S.COMPLETED, note=gettext_noop("After-sales window closed"))


def complete_due(limit: int = 500) -> int:
    """The periodic job: complete every order that is due, each in its own transaction."""
    cutoff = clock.now() - dt.timedelta(days=_window_days())
    due = list(Order.objects.filter(state=S.DELIVERED, delivered_at__lte=cutoff)
               .exclude(after_sales__state__in=OPEN_STATES)
               .order_by("delivered_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if complete(pk))


def _returnable(order: Order) -> bool:
    """Delivered (or completed) and within RETURN_DAYS of customs release, the
    period customs allows for a cross-border return (of delivery for orders
    Shequn did not declare)."""
    if order.state not in (S.DELIVERED, S.COMPLETED) or order.delivered_at is None:
        return False
    start = order.cleared_at or order.delivered_at
    limit = start + dt.timedelta(days=int(settings.SHEQUN["RETURN_DAYS"]))
    return clock.now() <= limit


def _already_returned(order: Order) -> dict[int, int]:
    rows = (AfterSaleLine.objects.filter(after_sale__order=order)
            .exclude(after_sale__state=AfterSale.State.REJECTED)
            .values("line_id").annotate(n=Sum("qty")))
    return {row["line_id"]: row["n"] for row in rows}


def _share(amount: Decimal, qty: int, of: int) -> Decimal:
    return q2(amount * qty / of)


@transaction.atomic
def request_return(user: Any, order_id: Any, lines: list[tuple[int, int]], reason: str
                   ) -> AfterSale:
    """The buyer asks to return ``lines`` ((order line id, qty), partial quantities
    allowed) of a delivered order within the return period."""
    order = _lock(order_id)
    if order.user_id != getattr(user, "pk", None):
        raise OrderError.ORDER_NOT_FOUND.error()
    if not _returnable(order):
        raise OrderError.NOT_RETURNABLE.error(state=order.state)
    reason = " ".join(str(reason or "").split())[:200]
    if not reason:
        raise OrderError.BAD_RETURN_LINES.error(field="reason")
    by_id = {line.pk: line for line in OrderLine.objects.filter(order=order)}
    wanted: dict[int, int] = {}
    for line_id, qty in lines:
        try:
            key, n = int(line_id), int(qty)
        except (TypeError, ValueError):
            raise OrderError.BAD_RETURN_LINES.error() from None
        if key not in by_id or n <= 0:
            raise OrderError.BAD_RETURN_LINES.error(line=line_id)
        wanted[key] = wanted.get(key, 0) + n
    if not wanted:
        raise OrderError.BAD_RETURN_LINES.error()
    done = _already_returned(order)
    for key, n in wanted.items():
        if done.get(key, 0) + n > by_id[key].qty:
            raise OrderError.BAD_RETURN_LINES.error(line=key, max=by_id[key].qty - done.get(key, 0))
    after_sale = AfterSale.objects.create(order=order, user=user, reason=reason,
                                          created_at=clock.now())
    rows = []
    for key, n in sorted(wanted.items()):
        line = by_id[key]
        rows.append(AfterSaleLine(
            after_sale=after_sale, line=line, qty=n,
            goods_refund=_share(line.goods_value, n, line.qty),
            tax_refund=_share(line.tax, n, line.qty),
            taxable_refund=_share(line.taxable_price, n, line.qty)))
    AfterSaleLine.objects.bulk_create(rows)
    after_sale.goods_refund = sum((r.goods_refund for r in rows), ZERO)
    after_sale.tax_refund = sum((r.tax_refund for r in rows), ZERO)
    after_sale.save(update_fields=["goods_refund", "tax_refund"])
    outbox.emit("order.return_requested", "order", order.pk, number=order.number,
                return_id=str(after_sale.pk))
    return after_sale


def _lock_after_sale(after_sale_id: Any) -> AfterSale:
    try:
        found = (AfterSale.objects.select_for_update().select_related("order")
                 .filter(pk=int(after_sale_id)).first())
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise OrderError.AFTER_SALE_NOT_FOUND.error()
    return found


@transaction.atomic
def decide_return(actor: Any, after_sale_id: Any, *, approve: bool, note: str = ""
                  ) -> AfterSale:
    """An operator approves or rejects an open return request (audited)."""
    _require_operator(actor)
    after_sale = _lock_after_sale(after_sale_id)
    if after_sale.state != AfterSale.State.OPEN:
        raise OrderError.AFTER_SALE_DECIDED.error(state=after_sale.state)
    note = " ".join(str(note or "").split())[:200]
    after_sale.state = AfterSale.State.APPROVED if approve else AfterSale.State.REJECTED
    after_sale.decision_note, after_sale.decided_by = note, actor
    after_sale.decided_at = clock.now()
    after_sale.save(update_fields=["state", "decision_note", "decided_by", "decided_at"])
    order = after_sale.order
    topic = "order.return_approved" if approve else "order.return_rejected"
    outbox.emit(topic, "order", order.pk, number=order.number, return_id=str(after_sale.pk))
    audit.record(actor, "order.return_approve" if approve else "order.return_reject",
                 order, number=order.number, return_id=after_sale.pk, note=note)
    return after_sale


@transaction.atomic
def record_refund(after_sale_id: Any, *, refund_no: str) -> bool:
    """The money of an approved return went back (payments calls this): give the
    buyer's quota back for the returned taxable value and tell the other domains
    (``order.returned``, decision 0002). Idempotent."""
    after_sale = _lock_after_sale(after_sale_id)
    if after_sale.state == AfterSale.State.REFUNDED:
        return False
    if after_sale.state != AfterSale.State.APPROVED:
        raise OrderError.AFTER_SALE_DECIDED.error(state=after_sale.state)
    order = _lock(after_sale.order_id)
    lines = list(after_sale.lines.all())
    after_sale.state, after_sale.refunded_at = AfterSale.State.REFUNDED, clock.now()
    after_sale.save(update_fields=["state", "refunded_at"])
    Order.objects.filter(pk=order.pk).update(
        refunded_total=F("refunded_total") + after_sale.amount)
    taxable = sum((line.taxable_refund for line in lines), ZERO)
    quota.give_back(order.number, f"{order.number}/R{after_sale.pk}", taxable)
    outbox.emit("order.returned", "order", order.pk, number=order.number,
                return_id=str(after_sale.pk), refund=refund_no,
                lines=[{"line_id": str(line.line_id), "qty": line.qty,
                        "goods_refund": str(line.goods_refund)} for line in lines])
    return True


@transaction.atomic
def reject_after_customs(after_sale_id: Any, *, reason: str) -> bool:
    """Customs refused the return declaration (CEB626): the approved request is
    closed as rejected, the order may complete again, the buyer sees why.
    Idempotent."""
    after_sale = _lock_after_sale(after_sale_id)
    if after_sale.state != AfterSale.State.APPROVED:
        return False
    note = f"海关不同意退货 customs refused the return: {reason}"[:200]
    after_sale.state, after_sale.decision_note = AfterSale.State.REJECTED, note
    after_sale.save(update_fields=["state", "decision_note"])
    order = after_sale.order
    audit.record(None, "order.return_customs_rejected", order, number=order.number,
                 return_id=after_sale.pk, reason=reason[:200])
    outbox.emit("order.return_rejected", "order", order.pk, number=order.number,
                return_id=str(after_sale.pk))
    return True


def open_requests(order: Order) -> list[AfterSale]:
    return list(order.after_sales.filter(state__in=OPEN_STATES))
