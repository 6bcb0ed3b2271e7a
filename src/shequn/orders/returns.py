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
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext_noop

from shequn.core import audit, clock, images
from shequn.core.money import ZERO, q2
from shequn.core.platformtext import platform_text
from shequn.orders import events
from shequn.orders.errors import OrderError
from shequn.orders.models import AfterSale, AfterSaleLine, AfterSalePhoto, Order, OrderLine
from shequn.orders.services import _lock, _require_operator, _transition
from shequn.quota import services as quota

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


def _share(amount: Decimal, qty: int, of: int, before: int = 0) -> Decimal:
    """The part of a line's ``amount`` for ``qty`` of its ``of`` units, after
    ``before`` units went back already: rounded cumulatively, so the parts of
    every unit together are the line's amount to the cent."""
    return q2(amount * (before + qty) / of) - q2(amount * before / of)


MAX_RETURN_PHOTOS = 6


def _pictures(photos: Sequence[bytes]) -> list[images.Picture]:
    if len(photos) > MAX_RETURN_PHOTOS:
        raise OrderError.TOO_MANY_RETURN_PHOTOS.error(max=MAX_RETURN_PHOTOS)
    out = []
    for i, raw in enumerate(photos):
        try:
            out.append(images.reencode(raw))
        except images.ImageRejected as err:
            code = (OrderError.RETURN_PHOTO_TOO_LARGE if err.reason == "too_large"
                    else OrderError.BAD_RETURN_PHOTO)
            raise code.error(photo=i + 1) from None
    return out


def request_return(user: Any, order_id: Any, lines: list[tuple[int, int]], reason: str,
                   *, reason_code: str = AfterSale.Reason.OTHER,
                   photos: Sequence[bytes] = ()) -> AfterSale:
    """The buyer asks to return ``lines`` ((order line id, qty), partial quantities
    allowed) of a delivered order within the return period, for one of the preset
    reasons (a description is required for "other"), with up to six photos.

    The photos are checked and re-encoded before the transaction: that is CPU
    work that must not hold the order's row lock."""
    pictures = _pictures(photos)
    return _request_return(user, order_id, lines, reason, reason_code, pictures)


def _plain(text: Any) -> str:
    """Free text on one line, without control characters: they are junk, and
    PostgreSQL refuses a NUL in a text column (a 500 instead of the request)."""
    s = " ".join(str(text or "").split())
    return "".join(ch for ch in s if unicodedata.category(ch) != "Cc")[:200]


@transaction.atomic
def _request_return(user: Any, order_id: Any, lines: list[tuple[int, int]], reason: str,
                    reason_code: str, pictures: list[images.Picture]) -> AfterSale:
    order = _lock(order_id)
    if order.user_id != getattr(user, "pk", None):
        raise OrderError.ORDER_NOT_FOUND.error()
    if not _returnable(order):
        raise OrderError.NOT_RETURNABLE.error(state=order.state)
    if reason_code not in AfterSale.Reason.values:
        raise OrderError.BAD_RETURN_REASON.error()
    reason = _plain(reason)
    if not reason and reason_code == AfterSale.Reason.OTHER:
        raise OrderError.BAD_RETURN_REASON.error(field="reason")
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
                                          reason_code=reason_code, created_at=clock.now())
    for pic in pictures:
        photo = AfterSalePhoto(after_sale=after_sale, width=pic.width, height=pic.height,
                               sha256=pic.sha256)
        photo.image.save("photo.jpg", ContentFile(pic.data), save=False)
        photo.thumb.save("thumb.jpg", ContentFile(pic.thumb), save=False)
        photo.save()
    rows = []
    for key, n in sorted(wanted.items()):
        line, before = by_id[key], done.get(key, 0)
        rows.append(AfterSaleLine(
            after_sale=after_sale, line=line, qty=n,
            goods_refund=_share(line.goods_value, n, line.qty, before),
            tax_refund=_share(line.tax, n, line.qty, before),
            taxable_refund=_share(line.taxable_price, n, line.qty, before)))
    AfterSaleLine.objects.bulk_create(rows)
    after_sale.goods_refund = sum((r.goods_refund for r in rows), ZERO)
    after_sale.tax_refund = sum((r.tax_refund for r in rows), ZERO)
    after_sale.save(update_fields=["goods_refund", "tax_refund"])
    events.ReturnRequested(order.pk, number=order.number, return_id=str(after_sale.pk)).emit()
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
    decided = events.ReturnApproved if approve else events.ReturnRejected
    decided(order.pk, number=order.number, return_id=str(after_sale.pk)).emit()
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
    events.Returned(order.pk, number=order.number, return_id=str(after_sale.pk),
                    refund=refund_no,
                    lines=[events.ReturnedLine(line_id=str(line.line_id), qty=line.qty,
                                               goods_refund=str(line.goods_refund))
                           for line in lines]).emit()
    if not _units_left(order):
        _transition(order, S.REFUNDED, note=gettext_noop("All items returned and refunded"))
    return True


def _units_left(order: Order) -> int:
    """Units of ``order`` not yet returned and refunded."""
    refunded = (AfterSaleLine.objects.filter(after_sale__order=order,
                                             after_sale__state=AfterSale.State.REFUNDED)
                .aggregate(n=Sum("qty"))["n"] or 0)
    bought = OrderLine.objects.filter(order=order).aggregate(n=Sum("qty"))["n"] or 0
    return int(bought) - int(refunded)


def returnable_quantities(order: Order) -> dict[int, int]:
    """Per order line, how many units the buyer may still ask to return (lines
    already returned or in a pending request count against it)."""
    done = _already_returned(order)
    return {line.pk: line.qty - done.get(line.pk, 0) for line in order.lines.all()}


def can_request_return(order: Order) -> bool:
    """Whether the buyer may ask to return something now: the order is within the
    return period and some unit is neither returned nor in a pending request."""
    if not _returnable(order):
        return False
    done = _already_returned(order)
    return any(line.qty > done.get(line.pk, 0) for line in order.lines.all())


@transaction.atomic
def reject_after_customs(after_sale_id: Any, *, reason: str) -> bool:
    """Customs refused the return declaration (CEB626): the approved request is
    closed as rejected, the order may complete again, the buyer sees why.
    Idempotent."""
    after_sale = _lock_after_sale(after_sale_id)
    if after_sale.state != AfterSale.State.APPROVED:
        return False
    note = platform_text(gettext_noop("Customs refused the return: %(reason)s"),
                         reason=reason)[:200]
    after_sale.state, after_sale.decision_note = AfterSale.State.REJECTED, note
    after_sale.save(update_fields=["state", "decision_note"])
    order = after_sale.order
    audit.record(None, "order.return_customs_rejected", order, number=order.number,
                 return_id=after_sale.pk, reason=reason[:200])
    events.ReturnRejected(order.pk, number=order.number, return_id=str(after_sale.pk)).emit()
    return True


def open_requests(order: Order) -> list[AfterSale]:
    return list(order.after_sales.filter(state__in=OPEN_STATES))
