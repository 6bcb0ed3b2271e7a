"""Reactions to order events (decision 0002). Each is idempotent: the
services key every effect by (event, line), so duplicates and reordering are
harmless. A late "order.paid" after a refund accrues nothing (state filter)."""

from __future__ import annotations

from shequn.commission import services
from shequn.core import outbox
from shequn.core.models import OutboxEvent


@outbox.handler("order.paid")
def on_order_paid(event: OutboxEvent) -> None:
    services.accrue_order(event.aggregate_id)


@outbox.handler("order.refunded")
def on_order_refunded(event: OutboxEvent) -> None:
    services.reverse_order(event.aggregate_id)


@outbox.handler("order.returned")
def on_order_returned(event: OutboxEvent) -> None:
    payload = event.payload or {}
    return_id = str(payload.get("return_id") or f"event{event.pk}")
    services.reverse_returned_lines(event.aggregate_id, return_id,
                                    list(payload.get("lines") or []))
