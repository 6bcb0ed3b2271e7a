"""Reactions to order events (decision 0002). Each is idempotent: the
services key every effect by (event, line), so duplicates and reordering are
harmless. A late ``order.paid`` after a refund accrues nothing (state filter)."""

from __future__ import annotations

from shequn.commission import services
from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.orders import events as order_events


@outbox.handler(order_events.PAID)
def on_order_paid(event: OutboxEvent) -> None:
    services.accrue_order(event.aggregate_id)


@outbox.handler(order_events.REFUNDED)
def on_order_refunded(event: OutboxEvent) -> None:
    services.reverse_order(event.aggregate_id)


@outbox.handler(order_events.RETURNED)
def on_order_returned(event: OutboxEvent) -> None:
    returned = order_events.Returned.of(event)
    # Rows written before returns carried their id are keyed by the event.
    return_id = returned.return_id or f"event{event.pk}"
    services.reverse_returned_lines(event.aggregate_id, return_id, returned.lines)
