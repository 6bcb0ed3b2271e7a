"""The order state machine. Only these functions change an order's state; each
is one transaction, moves forward only (a conditional UPDATE on the current
state, so a duplicate or late call changes nothing) and writes its history row
and outbox event in the same transaction (invariants 4 and 6).

    pending_payment ─► paid ─► shipped ─► delivered ─► completed
          │              │  ▲
          │              ▼  │ (operator clears the hold)
          │           on_hold
          ▼              └──► refunded (also from paid)
      cancelled (timeout or buyer)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from shequn.accounts.roles import WAREHOUSE_STAFF
from shequn.brands import selectors as brand_selectors
from shequn.core import audit, clock
from shequn.inventory import services as stock_services
from shequn.orders import events
from shequn.orders.errors import OrderError
from shequn.orders.models import Order, OrderStatusChange
from shequn.quota import services as quota

log = logging.getLogger("shequn.orders")
S = Order.State

ALLOWED: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.ON_HOLD, S.CANCELLED},
    # PAID → ON_HOLD: a later check failed (``hold``, e.g. customs' payment declaration).
    S.PAID: {S.SHIPPED, S.REFUNDED, S.ON_HOLD},
    S.ON_HOLD: {S.PAID, S.REFUNDED},
    S.SHIPPED: {S.DELIVERED},
    # Returns refunded for every unit make a delivered or completed order refunded.
    S.DELIVERED: {S.COMPLETED, S.REFUNDED},
    S.COMPLETED: {S.REFUNDED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}

_STAMP: dict[str, str] = {S.PAID: "paid_at", S.ON_HOLD: "paid_at", S.SHIPPED: "shipped_at",
                          S.DELIVERED: "delivered_at", S.COMPLETED: "completed_at",
                          S.CANCELLED: "cancelled_at"}


def _transition(order: Order, to: str, *, actor: Any = None, note: str = "",
                **extra: Any) -> bool:
    """Move ``order`` to ``to`` if its current state allows it. Returns False
    (and changes nothing) when another call got there first."""
    current = order.state
    if to not in ALLOWED.get(current, set()):
        return False
    now = clock.now()
    fields: dict[str, Any] = {"state": to, **extra}
    if to in _STAMP:
        fields[_STAMP[to]] = now
    changed = Order.objects.filter(pk=order.pk, state=current).update(**fields)
    if changed != 1:
        return False
    for key, value in fields.items():
        setattr(order, key, value)
    user = actor if getattr(actor, "is_authenticated", False) else None
    OrderStatusChange.objects.create(order=order, from_state=current, to_state=to, at=now,
                                     actor=user, note=note[:200])
    events.MOVED[to](order.pk, number=order.number, from_state=current,
                     note=note[:200]).emit()
    return True


def _lock(order_or_id: Order | Any) -> Order:
    pk = order_or_id.pk if isinstance(order_or_id, Order) else order_or_id
    order = Order.objects.select_for_update().filter(pk=pk).first()
    if order is None:
        raise OrderError.ORDER_NOT_FOUND.error()
    return order


@transaction.atomic(savepoint=False)
def mark_paid(order_id: Any, *, payer_matches: bool = True, hold_reason: str = "",
              locked: Order | None = None) -> str:
    """Apply a verified payment. Returns what happened: ``paid``, ``on_hold``,
    ``duplicate`` (already applied) or ``late`` (the order had been cancelled:
    the caller must refund the money).

    ``locked`` is the order as the caller read it with ``select_for_update`` in
    the transaction this call joins (payments locks the payment and its order
    in one statement); it is used as is instead of being locked and read
    again. No savepoint: nothing here is caught to carry on, so a failure
    rolls back the caller's whole transaction."""
    if locked is not None and locked.pk != order_id:
        raise ValueError("mark_paid: locked is not the order")
    order = locked if locked is not None else _lock(order_id)
    if order.state in (S.PAID, S.ON_HOLD, S.SHIPPED, S.DELIVERED, S.COMPLETED, S.REFUNDED):
        return "duplicate"
    if order.state == S.CANCELLED:
        return "late"
    stock_services.commit(order.number)
    quota.consume(order.number)
    if payer_matches:
        # Notes the system writes are English msgids; pages translate them when shown.
        _transition(order, S.PAID, note=gettext_noop("Payment received"))
        return "paid"
    _transition(order, S.ON_HOLD, note=hold_reason, hold_reason=hold_reason[:200])
    return "on_hold"


@transaction.atomic
def cancel_unpaid(order_id: Any, *, reason: str, actor: Any = None) -> bool:
    order = _lock(order_id)
    if order.state != S.PENDING_PAYMENT:
        return False
    stock_services.release(order.number, note=reason[:200])
    quota.release(order.number)
    return _transition(order, S.CANCELLED, actor=actor, note=reason)


def cancel_by_buyer(user: Any, order_id: Any) -> bool:
    order = Order.objects.filter(pk=order_id, user=user).first()
    if order is None:
        raise OrderError.ORDER_NOT_FOUND.error()
    if order.state != S.PENDING_PAYMENT:
        raise OrderError.INVALID_TRANSITION.error(state=order.state)
    return cancel_unpaid(order.pk, reason=gettext_noop("Cancelled by the buyer"), actor=user)


def expire_unpaid(limit: int = 500) -> int:
    """Cancel orders whose payment window has passed, each in its own transaction."""
    due = list(Order.objects.filter(state=S.PENDING_PAYMENT, expires_at__lte=clock.now())
               .order_by("expires_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due
               if cancel_unpaid(pk, reason=gettext_noop("Payment timed out")))


def _require_operator(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False)
            and (actor.is_superuser or actor.groups.filter(name="operator").exists())):
        raise OrderError.NOT_OPERATOR.error()


def _operator_move(order_id: Any, to: str, actor: Any, action: str, note: str) -> Order:
    _require_operator(actor)
    order = _lock(order_id)
    if not _transition(order, to, actor=actor, note=note):
        raise OrderError.INVALID_TRANSITION.error(state=order.state, to=to)
    audit.record(actor, action, order, number=order.number)
    return order


@transaction.atomic
def mark_cleared(order_id: Any, *, note: str = "") -> bool:
    """Customs released the order's declaration (called by the customs domain
    through its receipt handling). Idempotent; does not change the state."""
    order = _lock(order_id)
    if order.cleared_at is not None or order.state != S.PAID:
        return False
    order.cleared_at = clock.now()
    Order.objects.filter(pk=order.pk).update(cleared_at=order.cleared_at)
    events.Cleared(order.pk, number=order.number, note=note[:200]).emit()
    return True


@transaction.atomic
def hold(order_id: Any, *, reason: str, note: str = "") -> bool:
    """Put a paid, not yet cleared order on hold for an operator (a domain
    above found a problem after payment: customs' payment declaration failed,
    the payer differs). ``reason`` is an English msgid (shown translated);
    ``note`` may add details. Idempotent: False when it is not (or no longer)
    a paid order waiting for clearance."""
    order = _lock(order_id)
    if order.state != S.PAID or order.cleared_at is not None:
        return False
    return _transition(order, S.ON_HOLD, note=note or reason, hold_reason=reason[:200])


# What domains above orders check before goods leave (customs: no cancellation
# awaiting customs' answer), registered at start-up so orders imports none of
# them. Each raises a DomainError to refuse; it runs under the order's row lock.
ShipCheck = Callable[[Order], None]
_ship_checks: list[ShipCheck] = []


def add_ship_check(check: ShipCheck) -> None:
    if check not in _ship_checks:
        _ship_checks.append(check)


def _is_operator(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)
                and (actor.is_superuser or actor.groups.filter(name="operator").exists()))


def _may_ship(actor: Any, order: Order) -> bool:
    """Operators, and warehouse staff of the organization running the order's warehouse."""
    if _is_operator(actor):
        return True
    if not getattr(actor, "is_authenticated", False) or order.warehouse.operator_id is None:
        return False
    if not actor.groups.filter(name=WAREHOUSE_STAFF).exists():
        return False
    membership = brand_selectors.membership_of(actor, order.warehouse.operator_id)
    return membership is not None and membership.role == WAREHOUSE_STAFF


@transaction.atomic
def mark_shipped(order_id: Any, actor: Any, *, note: str = "") -> Order:
    """The warehouse (an operator, or staff of the order's warehouse) ships a paid
    order, only after customs released it (invariant: nothing leaves a bonded
    warehouse uncleared)."""
    if not getattr(actor, "is_authenticated", False):
        raise OrderError.NOT_OPERATOR.error()
    order = _lock(order_id)
    if not _may_ship(actor, order):
        raise OrderError.NOT_OPERATOR.error()
    if order.state == S.PAID and order.cleared_at is None:
        raise OrderError.NOT_CLEARED.error(number=order.number)
    if order.state == S.PAID:
        for check in _ship_checks:
            check(order)
    if not _transition(order, S.SHIPPED, actor=actor, note=note or gettext_noop("Shipped")):
        raise OrderError.INVALID_TRANSITION.error(state=order.state, to=S.SHIPPED)
    audit.record(actor, "order.ship", order, number=order.number)
    return order


@transaction.atomic
def mark_delivered(order_id: Any, actor: Any, note: str = gettext_noop("Delivered")) -> Order:
    """An operator records the delivery by hand (no carrier signing record).
    ``note`` (an English msgid) is what the history and the buyer's page show."""
    return _operator_move(order_id, S.DELIVERED, actor, "order.deliver", note)


@transaction.atomic
def record_delivery(order_id: Any, *, note: str, actor: Any = None,
                    at: dt.datetime | None = None) -> bool:
    """The parcel arrived: the carrier's delivered event (``at`` its signing
    time, from which the after-sales window counts), the buyer's confirmation
    (``actor`` the buyer) or the automatic confirmation some days after
    shipping. Idempotent: False when the order is not shipped (any more)."""
    order = _lock(order_id)
    if order.state != S.SHIPPED:
        return False
    if not _transition(order, S.DELIVERED, actor=actor, note=note):
        return False
    if at is not None and order.shipped_at is not None and order.shipped_at <= at < clock.now():
        order.delivered_at = at
        Order.objects.filter(pk=order.pk).update(delivered_at=at)
    return True


@transaction.atomic
def clear_hold(order_id: Any, actor: Any, note: str) -> Order:
    # The operator's own words (on_hold -> paid says that the hold was cleared).
    return _operator_move(order_id, S.PAID, actor, "order.clear_hold", note)


@transaction.atomic
def mark_refunded(order_id: Any, *, actor: Any = None, reason: str) -> bool:
    """The payment was refunded in full: give back stock and the buyer's quota."""
    order = _lock(order_id)
    if order.state == S.REFUNDED:
        return False
    # Goods that left the warehouse come back through returns (orders.returns),
    # never through a full refund that would restock what is not there.
    if order.state not in (S.PAID, S.ON_HOLD) or not _transition(
            order, S.REFUNDED, actor=actor, note=reason):
        raise OrderError.INVALID_TRANSITION.error(state=order.state, to=S.REFUNDED)
    stock_services.restock(order.number, note="restock")
    quota.refund(order.number)
    return True
