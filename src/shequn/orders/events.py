"""The events the orders domain publishes (through the outbox): topics and
payload shapes in one place (see shequn.core.events).

Every state an order moves to is published as ``order.<state>`` (``Moved``
subclasses, ``MOVED`` by state); commission accrues on ``order.paid`` and
reverses on ``order.refunded`` and ``order.returned``; customs declares on
``order.paid`` and declares a return on ``order.return_approved``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, TypedDict

from shequn.core.events import Event
from shequn.orders.models import Order

S = Order.State
ORDER = "order"

PAID = "order.paid"
ON_HOLD = "order.on_hold"
SHIPPED = "order.shipped"
DELIVERED = "order.delivered"
COMPLETED = "order.completed"
CANCELLED = "order.cancelled"
REFUNDED = "order.refunded"
CLEARED = "order.cleared"
RETURN_REQUESTED = "order.return_requested"
RETURN_APPROVED = "order.return_approved"
RETURN_REJECTED = "order.return_rejected"
RETURNED = "order.returned"


@dataclass(frozen=True)
class Moved(Event):
    """The order moved from ``from_state`` to the state its topic names."""

    aggregate: ClassVar[str] = ORDER
    number: str
    from_state: str
    note: str = ""


@dataclass(frozen=True)
class Paid(Moved):
    topic: ClassVar[str] = PAID


@dataclass(frozen=True)
class OnHold(Moved):
    topic: ClassVar[str] = ON_HOLD


@dataclass(frozen=True)
class Shipped(Moved):
    topic: ClassVar[str] = SHIPPED


@dataclass(frozen=True)
class Delivered(Moved):
    topic: ClassVar[str] = DELIVERED


@dataclass(frozen=True)
class Completed(Moved):
    topic: ClassVar[str] = COMPLETED


@dataclass(frozen=True)
class Cancelled(Moved):
    topic: ClassVar[str] = CANCELLED


@dataclass(frozen=True)
class Refunded(Moved):
    topic: ClassVar[str] = REFUNDED


# The event of each state an order can move to (every target of the state machine).
MOVED: dict[str, type[Moved]] = {
    S.PAID: Paid, S.ON_HOLD: OnHold, S.SHIPPED: Shipped, S.DELIVERED: Delivered,
    S.COMPLETED: Completed, S.CANCELLED: Cancelled, S.REFUNDED: Refunded}


@dataclass(frozen=True)
class Cleared(Event):
    """Customs released the order's declaration (the state does not change)."""

    topic: ClassVar[str] = CLEARED
    aggregate: ClassVar[str] = ORDER
    number: str
    note: str = ""


@dataclass(frozen=True)
class _ReturnEvent(Event):
    aggregate: ClassVar[str] = ORDER
    number: str
    return_id: str  # the AfterSale's pk, as text


@dataclass(frozen=True)
class ReturnRequested(_ReturnEvent):
    topic: ClassVar[str] = RETURN_REQUESTED


@dataclass(frozen=True)
class ReturnApproved(_ReturnEvent):
    topic: ClassVar[str] = RETURN_APPROVED


@dataclass(frozen=True)
class ReturnRejected(_ReturnEvent):
    topic: ClassVar[str] = RETURN_REJECTED


class ReturnedLine(TypedDict):
    line_id: str
    qty: int
    goods_refund: str  # Decimal as text


@dataclass(frozen=True)
class Returned(Event):
    """The money of a return went back: ``lines`` says what came back."""

    topic: ClassVar[str] = RETURNED
    aggregate: ClassVar[str] = ORDER
    number: str
    return_id: str = ""
    refund: str = ""  # the refund's out_refund_no
    lines: list[ReturnedLine] = field(default_factory=list)
