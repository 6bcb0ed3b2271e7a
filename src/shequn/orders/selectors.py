from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet

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


_HAPPY = [(S.PENDING_PAYMENT, "已下单 待付款"), (S.PAID, "已付款"), (S.SHIPPED, "已发货"),
          (S.DELIVERED, "已签收"), (S.COMPLETED, "已完成")]


def timeline(order: Order) -> list[Step]:
    """The buyer's status timeline: the happy path with the times reached, or
    the path up to a cancellation, hold or refund."""
    reached: dict[str, dt.datetime] = {S.PENDING_PAYMENT: order.created_at}
    reached.update({h.to_state: h.at for h in order.history.all()})
    steps = [Step(state, label, reached.get(state), state in reached) for state, label in _HAPPY]
    for state in (S.ON_HOLD, S.CANCELLED, S.REFUNDED):
        if state in reached:
            label = {S.ON_HOLD: f"待核实：{order.hold_reason}", S.CANCELLED: "已取消",
                     S.REFUNDED: "已退款"}[state]
            steps = [s for s in steps if s.done] + [Step(state, label, reached[state], True)]
    return steps
