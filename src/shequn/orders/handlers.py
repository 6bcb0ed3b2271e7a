"""Reactions of orders to other domains' events (registered in apps.py)."""

from __future__ import annotations

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.orders import returns


@outbox.handler("customs.return_rejected")
def close_rejected_return(event: OutboxEvent) -> None:
    returns.reject_after_customs(int(event.payload["return_id"]),
                                 reason=str(event.payload.get("reason", "")))
