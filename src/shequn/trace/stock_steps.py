"""Journey steps taken on the warehouse's stock pages: returned goods
inspected, stock destroyed. Each wraps the inbound service and writes the
units' events in the same transaction.

Returns and destruction are counted, not scanned, on those pages, so the
units are chosen: for a return, the units sold on that order line that are
still with the buyer (oldest code first); for a destruction, units of that
batch in that warehouse in the bucket the adjustment takes from (quarantine
or sellable). A unit returned sellable goes back to stock unbound (it may be
sold again: the inventory put it back); a damaged one is quarantined."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shequn.logistics import inbound
from shequn.logistics.models import Adjustment, ReturnInspection
from shequn.trace import journey
from shequn.trace.models import UnitCode

U = UnitCode.State
DESTROYING = (Adjustment.Reason.DAMAGE, Adjustment.Reason.EXPIRY)


@transaction.atomic
def inspect_return(actor: Any, *, warehouses: Any, line_id: Any, sellable: Any,
                   damaged: Any, note: str = "") -> ReturnInspection:
    row = inbound.inspect_return(actor, warehouses=warehouses, line_id=line_id,
                                 sellable=sellable, damaged=damaged, note=note)
    order = row.after_sale.order
    warehouse = row.stock.warehouse
    units = list(UnitCode.objects.select_for_update().filter(
        order_line_id=row.line.line_id, state__in=(U.DELIVERED, U.SHIPPED))
        .order_by("pk")[:row.sellable + row.damaged])
    if not units:
        return row
    good, bad = units[:row.sellable], units[row.sellable:]
    epcs = journey.epcs_of_units(units)
    events = [journey.returned(epcs, order_number=order.number, warehouse=warehouse)]
    if good:
        events.append(journey.inspected(journey.epcs_of_units(good), sellable=True,
                                        order_number=order.number, warehouse=warehouse))
        UnitCode.objects.filter(pk__in=[u.pk for u in good]).update(
            state=U.RECEIVED, warehouse=warehouse, order_line=None, sold_at=None)
    if bad:
        events.append(journey.inspected(journey.epcs_of_units(bad), sellable=False,
                                        order_number=order.number, warehouse=warehouse))
        # Back in the warehouse's quarantine, no longer the buyer's: unbound so a
        # later destruction of quarantined stock finds it (it can never be sold:
        # quarantined units are refused at packing).
        UnitCode.objects.filter(pk__in=[u.pk for u in bad]).update(
            state=U.QUARANTINED, warehouse=warehouse, order_line=None)
    journey.write(events)
    return row


@transaction.atomic
def adjust(actor: Any, *, warehouse: Any, stock_id: Any, reason: str, delta: Any, note: str,
           quarantine: bool = False) -> Adjustment:
    row = inbound.adjust(actor, warehouse=warehouse, stock_id=stock_id, reason=reason,
                         delta=delta, note=note, quarantine=quarantine)
    if row.reason not in DESTROYING or row.delta >= 0:
        return row
    batch = row.stock.batch
    units = list(UnitCode.objects.select_for_update().filter(
        warehouse=warehouse, batch__sku_id=batch.sku_id, batch__lot=batch.lot,
        state=U.QUARANTINED if quarantine else U.RECEIVED, order_line__isnull=True)
        .order_by("pk")[:-row.delta])
    if units:
        UnitCode.objects.filter(pk__in=[u.pk for u in units]).update(state=U.DESTROYED)
        journey.write([journey.destroyed(journey.epcs_of_units(units), warehouse=warehouse)])
    return row
