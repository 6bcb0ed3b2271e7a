from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from shequn.orders.errors import OrderError
from shequn.orders.models import Order

S = Order.State

# Paid and not refunded: the money was received and has not all gone back. An order
# whose every unit was returned and refunded is ``refunded`` (orders.returns), so
# it leaves these states.
PAID_STATES = (S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED)
MONEY = DecimalField(max_digits=12, decimal_places=2)


def net_paid() -> ExpressionWrapper:
    """SQL for what the buyer paid and kept paid on an order in ``PAID_STATES``:
    the amount paid less the refunds of its returns (``Order.net_paid`` in Python)."""
    return ExpressionWrapper(F("actual_paid") - F("refunded_total"), output_field=MONEY)


def orders_for_user(user: Any) -> QuerySet[Order]:
    return (Order.objects.filter(user=user).select_related("warehouse")
            .prefetch_related("lines__sku__product").order_by("-created_at"))


def get_order_for_user(user: Any, number: str) -> Order:
    if "\x00" in number:  # no order has one, and PostgreSQL refuses it in a query (a 500)
        raise OrderError.ORDER_NOT_FOUND.error()
    order = (Order.objects.filter(user=user, number=number).select_related("warehouse", "shop")
             .prefetch_related("lines__sku__product", "history").first())
    if order is None:
        raise OrderError.ORDER_NOT_FOUND.error()
    return order


@dataclass
class Step:
    state: str
    label: str
    at: dt.datetime | None
    done: bool


_HAPPY = [(S.PENDING_PAYMENT, pgettext_lazy("timeline", "Ordered, awaiting payment")),
          (S.PAID, S.PAID.label), (S.SHIPPED, S.SHIPPED.label),
          (S.DELIVERED, S.DELIVERED.label), (S.COMPLETED, S.COMPLETED.label)]


def timeline(order: Order) -> list[Step]:
    """The buyer's status timeline: the happy path with the times reached, or
    the path up to a cancellation, hold or refund."""
    reached: dict[str, dt.datetime] = {S.PENDING_PAYMENT: order.created_at}
    reached.update({h.to_state: h.at for h in order.history.all()})
    steps = [Step(state, str(label), reached.get(state), state in reached)
             for state, label in _HAPPY]
    for state in (S.ON_HOLD, S.CANCELLED, S.REFUNDED):
        if state in reached:
            label = {S.ON_HOLD: _("On hold: %(reason)s") % {"reason": _(order.hold_reason)},
                     S.CANCELLED: str(S.CANCELLED.label), S.REFUNDED: str(S.REFUNDED.label)}[state]
            steps = [s for s in steps if s.done] + [Step(state, label, reached[state], True)]
    return steps
