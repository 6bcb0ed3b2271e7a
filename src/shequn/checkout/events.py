"""The events checkout publishes (through the outbox); see shequn.core.events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shequn.core.events import Event

PLACED = "order.placed"


@dataclass(frozen=True)
class Placed(Event):
    """Placement created the order (one per warehouse of a checkout); its
    history starts here (created_at), later moves are orders' own events."""

    topic: ClassVar[str] = PLACED
    aggregate: ClassVar[str] = "order"
    number: str
    checkout_id: str
    amount: str  # actual_paid, Decimal as text
