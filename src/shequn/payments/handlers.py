"""Reactions of payments to other domains' events (registered in apps.py)."""

from __future__ import annotations

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.payments import services


@outbox.handler("customs.return_cleared")
def refund_cleared_return(event: OutboxEvent) -> None:
    """Customs accepted the return (CEB626): the money goes back."""
    services.refund_return(int(event.payload["return_id"]))


@outbox.handler("customs.rejected")
@outbox.handler("customs.cancelled")
def refund_declined_order(event: OutboxEvent) -> None:
    """Customs rejected the declaration or approved its cancellation: the whole
    payment goes back, with stock and the buyer's quota (orders.mark_refunded)."""
    reason = ("海关退单 rejected by customs" if event.topic == "customs.rejected"
              else "海关撤单 cancelled at customs")
    detail = str(event.payload.get("reason", ""))[:120]
    services.refund_after_customs(event.aggregate_id, reason=f"{reason} {detail}".strip())
