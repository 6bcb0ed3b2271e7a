"""Reactions of payments to other domains' events (registered in apps.py)."""

from __future__ import annotations

from django.conf import settings

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.payments import services


@outbox.handler("order.return_approved")
def refund_approved_return(event: OutboxEvent) -> None:
    """Without customs in the loop (RETURNS_NEED_CUSTOMS off) an approved return
    is refunded at once; with it, customs refunds after the CEB626 clears it."""
    if settings.SHEQUN.get("RETURNS_NEED_CUSTOMS", False):
        return
    services.refund_return(int(event.payload["return_id"]))
