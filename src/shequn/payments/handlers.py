"""Reactions of payments to other domains' events (registered in apps.py)."""

from __future__ import annotations

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.orders import events as orders_events
from shequn.payments import services

# Events of customs (named with their payloads in customs/events.py). Customs
# sits above payments in the layer order, so payments subscribes by wire name
# and imports nothing of customs; tests/core/test_event_names.py pins the names.
CUSTOMS_REJECTED = "customs.rejected"
CUSTOMS_CANCELLED = "customs.cancelled"
CUSTOMS_RETURN_CLEARED = "customs.return_cleared"


@outbox.handler(CUSTOMS_RETURN_CLEARED)
def refund_cleared_return(event: OutboxEvent) -> None:
    """Customs accepted the return (CEB626): the money goes back."""
    services.refund_return(int(event.payload["return_id"]))


@outbox.handler(CUSTOMS_REJECTED)
@outbox.handler(CUSTOMS_CANCELLED)
def refund_declined_order(event: OutboxEvent) -> None:
    """Customs rejected the declaration or approved its cancellation: the whole
    payment goes back, with stock and the buyer's quota (orders.mark_refunded)."""
    reason = ("海关退单 rejected by customs" if event.topic == CUSTOMS_REJECTED
              else "海关撤单 cancelled at customs")
    detail = str(event.payload.get("reason", ""))[:120]
    services.refund_after_customs(event.aggregate_id, reason=f"{reason} {detail}".strip())


@outbox.handler(orders_events.CANCELLED)
def close_wechat_payments(event: OutboxEvent) -> None:
    """An order cancelled unpaid (timeout, buyer): its WeChat order is closed so
    it can no longer be paid (a payment that raced the close is refunded when
    its notification comes: services._apply, ``refunded_late``)."""
    from shequn.payments.wechatpay.provider import close_open_payments

    close_open_payments(event.aggregate_id)
