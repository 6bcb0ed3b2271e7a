"""The whole journey of coded units as EPCIS events: generated for an ASN,
received by carton scan, packed for an order by unit scan, shipped with the
waybill, delivered; handlers write each step once; returns and destruction."""

from __future__ import annotations

import pytest

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.logistics import outbound
from shequn.logistics.models import Shipment
from shequn.orders import events as order_events
from shequn.trace import gs1, handlers, packing, stock_steps
from shequn.trace.epcis import store
from shequn.trace.models import EpcisEvent, JourneyMark, UnitCode
from tests.builders.outbound import run_all
from tests.builders.trace import Setup, element_string

pytestmark = pytest.mark.django_db
U = UnitCode.State
DELIVERING = "https://shequn.org/voc/bizstep/delivering"


@pytest.fixture
def shipped():
    s = Setup(qty=4, per_carton=2)
    s.receive_all()
    order = s.order(qty=2)
    units = s.units()[:2]
    for unit in units:
        packing.scan_unit(s.staff, order.pk, element_string(unit))
    packing.pack(s.staff, order.pk, "0.8")
    exit_ = outbound.create_exit(s.staff, s.warehouse, [order.pk], "沪A12345")
    outbound.ship(s.staff, exit_.pk)
    run_all()
    return s, order, units


def test_ship_and_deliver_write_events_once(shipped):
    s, order, units = shipped
    waybill = Shipment.objects.get(order=order).waybill_no
    assert {u.state for u in UnitCode.objects.filter(pk__in=[u.pk for u in units])} == {
        U.DELIVERED} or {U.SHIPPED}
    ship = EpcisEvent.objects.get(biz_step="shipping", disposition="in_transit",
                                  doc__bizTransactionList__1__type="bol")
    assert {"type": "bol", "bizTransaction": f"urn:shequn:waybill:{waybill}"} in \
        ship.doc["bizTransactionList"]
    assert sorted(ship.doc["epcList"]) == sorted(gs1.sgtin_urn(u.gtin, u.serial) for u in units)
    # Delivery by the carrier's pushes (everything due) or the buyer.
    outbound.flush(everything=True)
    run_all()
    order.refresh_from_db()
    assert order.state == "delivered"
    assert set(UnitCode.objects.filter(pk__in=[u.pk for u in units])
               .values_list("state", flat=True)) == {U.DELIVERED}
    unit = units[0]
    steps = [e.biz_step for e in store.events_for_epc(gs1.sgtin_urn(unit.gtin, unit.serial))]
    assert steps[-3:] == ["picking", "shipping", DELIVERING]
    # A duplicate delivery of the outbox events writes nothing twice.
    before = EpcisEvent.objects.count()
    for topic in (order_events.SHIPPED, order_events.DELIVERED):
        row = OutboxEvent.objects.filter(topic=topic, aggregate_id=str(order.pk)).first()
        with pytest.MonkeyPatch.context():
            (handlers.order_shipped if topic == order_events.SHIPPED
             else handlers.order_delivered)(row)
    assert EpcisEvent.objects.count() == before
    assert JourneyMark.objects.filter(ref=order.number).count() == 2


def test_orders_without_codes_write_nothing(shipped):
    _s, order, _units = shipped
    marks = JourneyMark.objects.count()
    row = OutboxEvent(topic=order_events.SHIPPED, aggregate_id="00000000-0000-0000-0000-"
                      "000000000000", payload={})
    handlers.order_shipped(row)
    assert JourneyMark.objects.count() == marks
    outbox.drain()


def test_a_return_inspected_and_destruction(shipped):
    s, order, units = shipped
    outbound.flush(everything=True)
    run_all()
    from shequn.orders.models import AfterSale, AfterSaleLine

    line = order.lines.get()
    after_sale = AfterSale.objects.create(order=order, user=order.user, reason="broken",
                                          state=AfterSale.State.APPROVED,
                                          created_at=order.created_at)
    asl = AfterSaleLine.objects.create(after_sale=after_sale, line=line, qty=2)
    from shequn.inventory.models import Warehouse

    stock_steps.inspect_return(s.staff, warehouses=Warehouse.objects.filter(pk=s.warehouse.pk),
                               line_id=asl.pk, sellable=1, damaged=1)
    good, bad = UnitCode.objects.filter(pk__in=[u.pk for u in units]).order_by("pk")
    assert (good.state, good.order_line_id) == (U.RECEIVED, None)
    assert bad.state == U.QUARANTINED
    assert [e.disposition for e in store.events_for_epc(
        gs1.sgtin_urn(bad.gtin, bad.serial))][-2:] == ["returned", "damaged"]
    assert store.events_for_epc(gs1.sgtin_urn(good.gtin, good.serial)).last().disposition == \
        "sellable_not_accessible"
    # The damaged unit is destroyed from quarantine.
    from shequn.inventory.models import Stock

    stock = Stock.objects.get(warehouse=s.warehouse, sku=s.sku)
    stock_steps.adjust(s.staff, warehouse=s.warehouse, stock_id=stock.pk, reason="damage",
                       delta=-1, note="crushed", quarantine=True)
    bad.refresh_from_db()
    assert bad.state == U.DESTROYED
    assert store.events_for_epc(gs1.sgtin_urn(bad.gtin, bad.serial)).last().biz_step == \
        "destroying"
