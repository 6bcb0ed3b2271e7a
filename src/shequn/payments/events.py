"""The events payments publishes (through the outbox); see shequn.core.events.
No domain reacts to them today: orders learn of a payment by a direct call
(payments sits above orders), and the outbox keeps them as the payment's record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shequn.core.events import Event

SUCCEEDED = "payment.succeeded"
REFUNDED = "payment.refunded"
PAYMENT = "payment"


@dataclass(frozen=True)
class Succeeded(Event):
    topic: ClassVar[str] = SUCCEEDED
    aggregate: ClassVar[str] = PAYMENT
    order: str  # the order's number
    amount: str  # Decimal as text


@dataclass(frozen=True)
class Refunded(Event):
    topic: ClassVar[str] = REFUNDED
    aggregate: ClassVar[str] = PAYMENT
    order: str  # the order's number
    amount: str  # Decimal as text
    refund: str  # out_refund_no
