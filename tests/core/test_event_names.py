"""Event names are the wire format of stored outbox rows: these pins fail when
a topic or payload key is renamed, which would strand rows already written."""

from __future__ import annotations

import pytest

from shequn.checkout import events as checkout_events
from shequn.core.models import OutboxEvent
from shequn.orders import events as order_events
from shequn.orders import handlers as order_handlers
from shequn.orders.models import Order
from shequn.payments import events as payment_events
from shequn.payments import handlers as payment_handlers

TOPICS = {
    order_events.Paid: "order.paid", order_events.OnHold: "order.on_hold",
    order_events.Shipped: "order.shipped", order_events.Delivered: "order.delivered",
    order_events.Completed: "order.completed", order_events.Cancelled: "order.cancelled",
    order_events.Refunded: "order.refunded", order_events.Cleared: "order.cleared",
    order_events.ReturnRequested: "order.return_requested",
    order_events.ReturnApproved: "order.return_approved",
    order_events.ReturnRejected: "order.return_rejected",
    order_events.Returned: "order.returned",
    checkout_events.Placed: "order.placed",
    payment_events.Succeeded: "payment.succeeded",
    payment_events.Refunded: "payment.refunded",
}


def test_topics_keep_their_wire_names():
    assert {cls: cls.topic for cls in TOPICS} == TOPICS


def test_every_order_state_move_has_its_event():
    targets = {s for s in Order.State.values if s != Order.State.PENDING_PAYMENT}
    assert set(order_events.MOVED) == targets
    assert all(cls.topic == f"order.{state}" for state, cls in order_events.MOVED.items())


def test_payload_keys_are_those_stored_before():
    moved = order_events.Paid("o1", number="N1", from_state="pending_payment", note="x")
    assert moved.payload() == {"number": "N1", "from_state": "pending_payment", "note": "x"}
    placed = checkout_events.Placed("o1", number="N1", checkout_id="c", amount="1.00")
    assert placed.payload() == {"number": "N1", "checkout_id": "c", "amount": "1.00"}
    refunded = payment_events.Refunded("p1", order="N1", amount="1.00", refund="RN1F")
    assert refunded.payload() == {"order": "N1", "amount": "1.00", "refund": "RN1F"}
    returned = order_events.Returned(
        "o1", number="N1", return_id="7", refund="RN1T7",
        lines=[order_events.ReturnedLine(line_id="9", qty=1, goods_refund="5.00")])
    assert returned.payload() == {"number": "N1", "return_id": "7", "refund": "RN1T7",
                                  "lines": [{"line_id": "9", "qty": 1, "goods_refund": "5.00"}]}


def test_a_stored_row_reads_back_and_an_older_row_too():
    row = OutboxEvent(topic="order.returned", aggregate="order", aggregate_id="o1",
                      payload={"number": "N1", "return_id": "7", "refund": "R",
                               "lines": [], "added_later": 1})
    assert order_events.Returned.of(row) == order_events.Returned(
        "o1", number="N1", return_id="7", refund="R", lines=[])
    older = OutboxEvent(topic="order.returned", aggregate="order", aggregate_id="o1",
                        payload={"number": "N1"})
    assert order_events.Returned.of(older).return_id == ""
    with pytest.raises(ValueError):
        order_events.Paid.of(row)


def test_customs_topics_subscribed_from_below_keep_their_names():
    # orders and payments sit below customs: they name customs' topics themselves.
    assert order_handlers.CUSTOMS_RETURN_REJECTED == "customs.return_rejected"
    assert (payment_handlers.CUSTOMS_REJECTED, payment_handlers.CUSTOMS_CANCELLED,
            payment_handlers.CUSTOMS_RETURN_CLEARED) == (
        "customs.rejected", "customs.cancelled", "customs.return_cleared")
