"""Logistics' reactions to other domains' events (registered in apps.py)."""

from __future__ import annotations

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.logistics import outbound
from shequn.orders import events as order_events


# The order will not ship (refunded: customs rejected or cancelled it): cancel
# the carrier order. Outside the event's transaction: it calls the carrier.
@outbox.handler(order_events.REFUNDED, in_transaction=False)
def cancel_carrier_order(event: OutboxEvent) -> None:
    outbound.cancel_waybill(event.aggregate_id)
