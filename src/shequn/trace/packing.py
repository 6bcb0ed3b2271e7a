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

The parcel holds what the books took: stock was decremented by the lots
(inventory batches) the pick list took for the order (FEFO), so a scanned
unit must be of one of those lots, and no more units of a lot than were
picked of it (WRONG_LOT otherwise). Whether scans are needed is decided per
picked *lot*: a lot is coded when units of its SKU and lot were received with
codes at the order's warehouse. Only the quantity picked from coded lots must
be scanned (and no more of a lot than its units still here to scan, so goods
of a lot that came in partly uncoded never stop the parcel); quantity picked
from lots that came in without codes (received by count, or before codes
existed) packs as before: there is nothing to scan, and refusing it would
stop the warehouse. Pick lists without lot information (no pick lines for the
order's SKU) fall back to the SKU: every unit of a SKU coded at the warehouse
is scanned, of any lot.

Packing completes (weight, label: logistics.outbound.pack) only when every
line has the scans it needs (``require_scanned``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce

from shequn.core import audit, clock
from shequn.logistics import outbound
from shequn.logistics.models import PickLine, Shipment
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
class LotProgress:
    """One lot the pick list took for a SKU of the order."""
    lot: str
    picked: int
    coded: bool  # units of this SKU and lot were received with codes here
    needed: int  # scans wanted of this lot
    scanned: int

    @property
    def complete(self) -> bool:
        return self.scanned >= self.needed


@dataclass(frozen=True)
class LineProgress:
    line: OrderLine
    coded: bool  # some units of the line must be scanned
    scanned: int
    needed: int = 0
    # The picked lots of the line's SKU, FEFO (on the first line of the SKU
    # only; empty when the pick list has no lots for it).
    lots: tuple[LotProgress, ...] = ()

    @property
    def complete(self) -> bool:
        return self.scanned >= self.needed


def _gtin14(sku: Any) -> str:
    try:
        return gs1.gtin14(sku.gtin or "")
    except gs1.CodeError:
        return ""


def coded_gtins(warehouse_id: Any, gtins: set[str]) -> set[str]:
    """Which of these GTINs have coded units received at the warehouse."""
    return set(UnitCode.objects.filter(warehouse_id=warehouse_id, gtin__in=gtins)
               .values_list("gtin", flat=True).distinct())


def picked_lots(pick_list_id: Any, order_id: Any) -> dict[Any, dict[str, int]]:
    """{sku id: {lot: qty}} the pick list took for the order, FEFO order."""
    if pick_list_id is None:
        return {}
    rows = (PickLine.objects.filter(pick_list_id=pick_list_id, order_id=order_id,
                                    batch__isnull=False)
            .values("sku_id", "batch__lot").annotate(n=Sum("qty"), first=Min("seq"))
            .order_by("first").values_list("sku_id", "batch__lot", "n"))
    picked: dict[Any, dict[str, int]] = {}
    for sku_id, lot, n in rows:
        picked.setdefault(sku_id, {})[lot] = n
    return picked


def _lot_codes(warehouse_id: Any, picked: dict[Any, dict[str, int]]
               ) -> dict[tuple[Any, str], tuple[int, int]]:
    """{(sku id, lot): (units received with codes here, of them still free to
    scan)} for the picked lots."""
    if not picked:
        return {}
    lots = {lot for by_lot in picked.values() for lot in by_lot}
    rows = (UnitCode.objects.filter(warehouse_id=warehouse_id, batch__sku_id__in=list(picked),
                                    batch__lot__in=lots)
            .exclude(state__in=(U.COMMISSIONED, U.PACKED))
            .values("batch__sku_id", "batch__lot")
            .annotate(n=Count("pk"), free=Count("pk", filter=Q(state=U.RECEIVED,
                                                              order_line__isnull=True)))
            .values_list("batch__sku_id", "batch__lot", "n", "free"))
    return {(sku_id, lot): (n, free) for sku_id, lot, n, free in rows}


def progress(order: Order) -> list[LineProgress]:
    lines = list(order.lines.select_related("sku").order_by("gnum"))
    pick_list_id = (Shipment.objects.filter(order_id=order.pk)
                    .values_list("pick_list_id", flat=True).first())
    picked = picked_lots(pick_list_id, order.pk)
    picked = {sku_id: by_lot for sku_id, by_lot in picked.items()
              if any(ln.sku_id == sku_id for ln in lines)}
    fallback = {g for g in (_gtin14(ln.sku) for ln in lines if ln.sku_id not in picked) if g}
    coded = coded_gtins(order.warehouse_id, fallback) if fallback else set()
    codes = _lot_codes(order.warehouse_id, picked)
    scans: dict[Any, int] = {}
    lot_scans: dict[tuple[Any, str], int] = {}
    for line_id, sku_id, lot, n in (UnitCode.objects.filter(order_line__in=lines)
                                    .values("order_line", "order_line__sku", "batch__lot")
                                    .annotate(n=Count("pk"))
                                    .values_list("order_line", "order_line__sku", "batch__lot",
                                                 "n")):
        scans[line_id] = scans.get(line_id, 0) + n
        lot_scans[(sku_id, lot)] = lot_scans.get((sku_id, lot), 0) + n
    lots_of: dict[Any, tuple[LotProgress, ...]] = {}
    for sku_id, by_lot in picked.items():
        detail = []
        for lot, qty in by_lot.items():
            n, free = codes.get((sku_id, lot), (0, 0))
            done = lot_scans.get((sku_id, lot), 0)
            detail.append(LotProgress(lot=lot, picked=qty, coded=n > 0, scanned=done,
                                      needed=min(qty, done + free) if n else 0))
        lots_of[sku_id] = tuple(detail)
    # Lines of one SKU share its picked lots: the scans wanted go to its lines
    # in line order, as scan_unit binds them.
    left = {sku_id: sum(lp.needed for lp in detail) for sku_id, detail in lots_of.items()}
    result = []
    for ln in lines:
        if ln.sku_id in left:
            needed = min(ln.qty, left[ln.sku_id])
            left[ln.sku_id] -= needed
            lots = lots_of.pop(ln.sku_id, ())
        else:
            needed = ln.qty if _gtin14(ln.sku) in coded else 0
            lots = ()
        result.append(LineProgress(line=ln, coded=needed > 0, scanned=scans.get(ln.pk, 0),
                                   needed=needed, lots=lots))
    return result


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


def _check_lot(shipment: Shipment, unit: UnitCode, lines: list[OrderLine], serial: str) -> None:
    """The unit must be of a lot the pick list took for its SKU, and its lot
    not yet fully scanned (a unit received here makes its lot a coded one).
    Without lots on the pick list there is nothing to reconcile."""
    picked = picked_lots(shipment.pick_list_id, shipment.order_id).get(unit.batch.sku_id)
    if not picked:
        return
    lot = unit.batch.lot
    done = UnitCode.objects.filter(order_line__in=lines, batch__lot=lot).count()
    if done >= picked.get(lot, 0):
        raise TraceError.WRONG_LOT.error(scanned=serial, lot=lot, picked=",".join(picked))


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
    _check_lot(shipment, unit, lines, read.serial)
    now = clock.now()
    won = UnitCode.objects.filter(pk=unit.pk, state=U.RECEIVED, warehouse=warehouse,
                                  order_line__isnull=True).update(
        state=U.PICKED, order_line=line, sold_at=now, carton=None,
        last_carton=Coalesce(F("carton"), F("last_carton")))
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
    line has the scans it needs (its quantity picked from coded lots, or every
    unit of a coded SKU when the pick list has no lots), else PACK_INCOMPLETE."""
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
