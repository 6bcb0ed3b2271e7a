"""Reactions of orders to other domains' events (registered in apps.py)."""

from __future__ import annotations

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.orders import returns

# An event of customs (named with its payload in customs/events.py). Customs
# sits above orders in the layer order, so orders subscribes by wire name and
# imports nothing of customs; tests/core/test_event_names.py pins the name.
CUSTOMS_RETURN_REJECTED = "customs.return_rejected"


@outbox.handler(CUSTOMS_RETURN_REJECTED)
def close_rejected_return(event: OutboxEvent) -> None:
    returns.reject_after_customs(int(event.payload["return_id"]),
                                 reason=str(event.payload.get("reason", "")))
