"""The carrier port: what the platform asks of an express carrier.

``create_order`` allocates the waybill (取号) and returns the route-label data
the label prints; ``cancel`` cancels an order not yet collected; ``routes``
queries a waybill's route; ``parse_push`` reads a route push the carrier sent
to the platform and ``push_ack`` is what the platform answers.

Every adapter maps its carrier's codes onto ``State`` (logistics.md §2.5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class State(StrEnum):
    """Where a parcel is, in the carrier-neutral states of logistics.md §2.5."""

    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    CUSTOMS_HOLD = "customs_hold"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"


# Forward order of the ordinary states. An event never moves a parcel back
# along it; EXCEPTION and RETURNING are reachable from anywhere before delivery.
RANK: dict[State, int] = {State.CREATED: 0, State.PICKED_UP: 1, State.CUSTOMS_HOLD: 2,
                          State.IN_TRANSIT: 2, State.OUT_FOR_DELIVERY: 3,
                          State.DELIVERED: 5, State.EXCEPTION: 4, State.RETURNING: 4}
OFF_ROUTE = (State.EXCEPTION, State.RETURNING)


def advances(current: str, new: str) -> bool:
    """Whether an event in state ``new`` moves a parcel in ``current`` on.
    Delivered is final; exception/return are entered from any state before
    delivery; otherwise only forward (a late "in transit" after "out for
    delivery" changes nothing). From an exception, any ordinary event resumes
    the route (the carrier retried the delivery)."""
    cur, nxt = State(current), State(new)
    if cur == State.DELIVERED or nxt == cur:
        return False
    if nxt in OFF_ROUTE:
        return not (cur == State.RETURNING and nxt == State.EXCEPTION)
    if cur == State.RETURNING:
        return False
    if cur == State.EXCEPTION:
        return True
    return RANK[nxt] > RANK[cur]


class CarrierError(RuntimeError):
    """The call did not get an answer (network, timeout, 5xx, gateway refusal of the
    credentials): retry later with the same order id."""


class CarrierRefused(Exception):
    """The carrier answered and refused the business request (address not
    served, bad weight…); retrying the same request will not help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class Contact:
    name: str
    mobile: str
    province: str
    city: str
    county: str
    address: str
    company: str = ""
    country: str = "CN"
    tel: str = ""            # a landline, when there is no mobile


@dataclass(frozen=True)
class Cargo:
    name: str
    count: int
    unit: str = "件"


@dataclass(frozen=True)
class ShipmentRequest:
    order_id: str            # the platform's order number: the idempotency key
    sender: Contact
    receiver: Contact
    weight_kg: Decimal
    cargo: tuple[Cargo, ...]
    remark: str = ""


@dataclass(frozen=True)
class Waybill:
    order_id: str
    waybill_no: str
    label: dict[str, Any] = field(default_factory=dict)   # routeLabelData
    origin_code: str = ""
    dest_code: str = ""


@dataclass(frozen=True)
class RouteEvent:
    waybill_no: str
    event_id: str
    at: dt.datetime          # aware
    state: State
    op_code: str
    remark: str
    place: str = ""
    order_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


class Carrier(Protocol):
    code: str      # short name stored on shipments ("sf")

    def create_order(self, request: ShipmentRequest) -> Waybill: ...

    def cancel(self, order_id: str) -> None: ...

    def routes(self, waybill_no: str) -> list[RouteEvent]: ...

    def parse_push(self, body: bytes, content_type: str) -> list[RouteEvent]: ...

    def push_ack(self, ok: bool) -> tuple[bytes, str]: ...
