"""The events the brands domain publishes (through the outbox); see
shequn.core.events. Shops (above brands) reacts to ChainLost by unlisting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from shequn.core.events import Event

CHAIN_LOST = "brands.chain_lost"


@dataclass(frozen=True)
class ChainLost(Event):
    """These products of the brand (``aggregate_id``) lost their last
    authorization chain: they may not be sold any more."""

    topic: ClassVar[str] = CHAIN_LOST
    aggregate: ClassVar[str] = "brand"
    product_ids: list[int] = field(default_factory=list)
    reason: str = ""
