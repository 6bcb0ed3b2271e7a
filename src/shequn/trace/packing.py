"""Packing an order by scanning its units (一物一码 at outbound): each scanned
unit is bound to the order line of its SKU, once and for all.

Binding is one conditional UPDATE of the unit row (``state = received`` at
the order's warehouse, not bound to any line) so that of two packers scanning
the same unit into two parcels exactly one wins; scans into the same order
are serialized by the order's shipment row lock, so a line never gets more
units than it ordered. The customs release (with the release's own time: the
packer is the first to know which units the released order holds) and the
picking event are written with the binding, and a carton the unit leaves gets
an AggregationEvent DELETE (unpacking).

Packing completes (weight, label: logistics.outbound.pack) only when every
line of a *coded* SKU has all its units scanned. A SKU counts as coded at a
warehouse when units of it were received there with codes; goods that came in
without codes (received by count, or before codes existed) pack as before:
there is nothing to scan, and refusing them would stop the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count

from shequn.core import audit, clock
from shequn.logistics import outbound
from shequn.logistics.models import Shipment
from shequn.orders.models import Order, OrderLine
from shequn.trace import gs1, journey
from shequn.trace.errors import TraceError
from shequn.trace.models import Carton, UnitCode

U = UnitCode.State
SOLD = (U.PICKED, U.SHIPPED, U.DELIVERED, U.RETURNED)
REFUSED_STATE: dict[str, TraceError] = {
    U.RECALLED: TraceError.RECALLED, U.DESTROYED: TraceError.DESTROYED,
    U.QUARANTINED: TraceError.QUARANTINED}


@dataclass(frozen=True)
class LineProgress:
    line: OrderLine
    coded: bool
    scanned: int

    @property
    def complete(self) -> bool:
        return not self.coded or self.scanned >= self.line.qty


def _gtin14(sku: Any) -> str:
    try:
        return gs1.gtin14(sku.gtin or "")
    except gs1.CodeError:
        return ""


def coded_gtins(warehouse_id: Any, gtins: set[str]) -> set[str]:
    """Which of these GTINs have coded units received at the warehouse."""
    return set(UnitCode.objects.filter(warehouse_id=warehouse_id, gtin__in=gtins)
               .values_list("gtin", flat=True).distinct())


def progress(order: Order) -> list[LineProgress]:
    lines = list(order.lines.select_related("sku").order_by("gnum"))
    gtins = {g for g in (_gtin14(ln.sku) for ln in lines) if g}
    coded = coded_gtins(order.warehouse_id, gtins) if gtins else set()
    counts = dict(UnitCode.objects.filter(order_line__in=lines).values("order_line")
                  .annotate(n=Count("pk")).values_list("order_line", "n"))
    return [LineProgress(line=ln, coded=_gtin14(ln.sku) in coded,
                         scanned=counts.get(ln.pk, 0)) for ln in lines]


def bound_units(order: Order) -> list[UnitCode]:
    return list(UnitCode.objects.filter(order_line__order=order)
                .select_related("batch", "order_line").order_by("order_line__gnum", "pk"))


def _locked_shipment(actor: Any, order_id: Any) -> Shipment:
    shipment = (Shipment.objects.select_for_update(of=("self",))
                .select_related("order", "warehouse", "pick_list").filter(order_id=order_id)
                .first())
    if shipment is None:
        raise TraceError.ORDER_NOT_FOUND.error()
    if not outbound.may_act(actor, shipment.warehouse):
        raise TraceError.NOT_ALLOWED.error()
    order = shipment.order
    if (order.state != Order.State.PAID or order.cleared_at is None
            or shipment.pick_list is None or shipment.pick_list.picked_at is None
            or shipment.zone_exit_id is not None):
        raise TraceError.NOT_PACKABLE.error(number=order.number)
    return shipment


@transaction.atomic
def scan_unit(actor: Any, order_id: Any, code: str) -> UnitCode:
    """The packer scanned ``code`` into the order's parcel."""
    try:
        read = gs1.read(code)
    except gs1.CodeError:
        raise TraceError.BAD_CODE.error(scanned=str(code)[:80]) from None
    if not read.is_unit:
        raise TraceError.SCAN_A_UNIT.error()
    shipment = _locked_shipment(actor, order_id)
    order, warehouse = shipment.order, shipment.warehouse
    unit = (UnitCode.objects.select_related("batch", "carton")
            .filter(gtin=read.gtin, serial=read.serial).first())
    if unit is None:
        raise TraceError.UNKNOWN_CODE.error(scanned=read.serial)
    lines = [ln for ln in order.lines.select_related("sku").order_by("gnum")
             if ln.sku_id == unit.batch.sku_id]
    if not lines:
        raise TraceError.OTHER_SKU.error(scanned=read.serial)
    if unit.state in SOLD or unit.order_line_id is not None:
        raise TraceError.ALREADY_SOLD.error(scanned=read.serial)
    if unit.state in REFUSED_STATE:
        raise REFUSED_STATE[unit.state].error(scanned=read.serial)
    if unit.state != U.RECEIVED or unit.warehouse_id != warehouse.pk:
        raise TraceError.NOT_IN_WAREHOUSE.error(scanned=read.serial)
    counts = dict(UnitCode.objects.filter(order_line__in=lines).values("order_line")
                  .annotate(n=Count("pk")).values_list("order_line", "n"))
    line = next((ln for ln in lines if counts.get(ln.pk, 0) < ln.qty), None)
    if line is None:
        raise TraceError.LINE_FULL.error(scanned=read.serial)
    now = clock.now()
    won = UnitCode.objects.filter(pk=unit.pk, state=U.RECEIVED, warehouse=warehouse,
                                  order_line__isnull=True).update(
        state=U.PICKED, order_line=line, sold_at=now, carton=None)
    if not won:
        # Another packer bound it between our read and the update.
        raise TraceError.ALREADY_SOLD.error(scanned=read.serial)
    epc = journey.unit_epc(unit.gtin, unit.serial)
    events = []
    if unit.carton is not None:
        Carton.objects.filter(pk=unit.carton.pk, state=Carton.State.RECEIVED).update(
            state=Carton.State.OPENED)
        events.append(journey.unpacking(journey.carton_epc(unit.carton.sscc), [epc],
                                        warehouse=warehouse, at=now))
    events.append(journey.customs_released([epc], order_number=order.number,
                                           customs_ref=order.number, warehouse=warehouse,
                                           at=order.cleared_at))
    events.append(journey.picked([epc], order_number=order.number, warehouse=warehouse,
                                 at=now))
    journey.write(events)
    audit.record(actor, "trace.pack_scan", order, number=order.number, gtin=unit.gtin,
                 serial=unit.serial)
    unit.refresh_from_db()
    return unit


def require_scanned(order: Order) -> None:
    """The pack check (registered with logistics.outbound.add_pack_check): every
    line of a coded SKU has all its units scanned, else PACK_INCOMPLETE."""
    missing = [p.line.gnum for p in progress(order) if not p.complete]
    if missing:
        raise TraceError.PACK_INCOMPLETE.error(lines=",".join(map(str, missing)))


@transaction.atomic
def pack(actor: Any, order_id: Any, weight: Any) -> Shipment:
    """Weigh and print the label (logistics' pack) once every coded line has
    all its units scanned (``require_scanned``, run by logistics' pack);
    otherwise refused and nothing is written."""
    _locked_shipment(actor, order_id)
    return outbound.pack(actor, order_id, weight)
