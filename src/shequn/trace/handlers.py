"""Trace's reactions to other domains' events (registered in apps.py): the
journey steps that follow an order's units after they were packed for it, and
the code generation job.

Each journey step is written once per order: a ``JourneyMark`` (step, order
number) is stored with the events, in the outbox event's transaction, so a
duplicate delivery finds the mark and writes nothing. Orders without bound
units (goods that are not coded) write nothing and leave no mark."""

from __future__ import annotations

from typing import Any

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.logistics.models import Shipment
from shequn.orders import events as order_events
from shequn.orders.models import Order
from shequn.trace import codes, journey
from shequn.trace.models import JourneyMark, UnitCode

U = UnitCode.State


def _once(step: str, ref: str) -> bool:
    """True the first time (and marks it)."""
    if JourneyMark.objects.filter(step=step, ref=ref).exists():
        return False
    JourneyMark.objects.create(step=step, ref=ref)
    return True


def _units(order: Order, states: tuple[str, ...]) -> list[UnitCode]:
    return list(UnitCode.objects.filter(order_line__order=order, state__in=states)
                .order_by("pk"))


def _step(event: OutboxEvent, step: str, from_states: tuple[str, ...], to_state: str,
          build: Any) -> None:
    order = Order.objects.select_related("warehouse").filter(pk=event.aggregate_id).first()
    if order is None:
        return
    units = _units(order, from_states)
    if not units or not _once(step, order.number):
        return
    UnitCode.objects.filter(pk__in=[u.pk for u in units], state__in=from_states).update(
        state=to_state)
    journey.write([build(order, journey.epcs_of_units(units))])


@outbox.handler(order_events.SHIPPED)
def order_shipped(event: OutboxEvent) -> None:
    def build(order: Order, epcs: list[str]) -> dict[str, Any]:
        waybill = (Shipment.objects.filter(order=order).values_list("waybill_no", flat=True)
                   .first() or "")
        return journey.shipped_to_buyer(epcs, order_number=order.number, waybill=waybill,
                                        warehouse=order.warehouse, at=order.shipped_at)

    _step(event, "shipped", (U.PICKED,), U.SHIPPED, build)


@outbox.handler(order_events.DELIVERED)
def order_delivered(event: OutboxEvent) -> None:
    def build(order: Order, epcs: list[str]) -> dict[str, Any]:
        return journey.delivered(epcs, order_number=order.number, at=order.delivered_at)

    _step(event, "delivered", (U.SHIPPED, U.PICKED), U.DELIVERED, build)


@outbox.handler(order_events.REFUNDED)
def order_refunded(event: OutboxEvent) -> None:
    """Refunded before it shipped: the order's stock was given back, so are the
    units scanned into its parcel (unbound, received here again), else the
    unit on the shelf is refused at the next packing as already sold."""
    order = Order.objects.select_related("warehouse").filter(pk=event.aggregate_id).first()
    if order is None:
        return
    units = _units(order, (U.PICKED,))
    if not units or not _once("refunded", order.number):
        return
    UnitCode.objects.filter(pk__in=[u.pk for u in units], state=U.PICKED).update(
        state=U.RECEIVED, order_line=None, sold_at=None, warehouse=order.warehouse)
    journey.write([journey.unpicked(journey.epcs_of_units(units), order_number=order.number,
                                    warehouse=order.warehouse)])


# Generation runs outside the event's transaction: it commits chunk by chunk
# (progress visible, a crash resumes), which one long transaction could not.
@outbox.handler(codes.GENERATE_TOPIC, in_transaction=False)
def generate_codes(event: OutboxEvent) -> None:
    codes.run_requested(event.payload["batch_id"])
