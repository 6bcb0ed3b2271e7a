"""Packing an order by scanning its units: each unit bound to its order line
once; sold, recalled, destroyed, quarantined, unknown, other-SKU, foreign or
already-bound units refused with nothing stored; the parcel is packed only
when every coded line is complete."""

from __future__ import annotations

import datetime as dt

import pytest

from shequn.core.errors import DomainError
from shequn.logistics.models import Shipment
from shequn.trace import gs1, packing
from shequn.trace.epcis import store
from shequn.trace.errors import TraceError
from shequn.trace.models import Carton, EpcisEvent, UnitCode
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, staff
from tests.builders.trace import coded_batch, element_string, received

pytestmark = pytest.mark.django_db
U = UnitCode.State


@pytest.fixture
def setup():
    return received(6, 3)


def code(unit):
    return f"https://v.example.cn/01/{unit.gtin}/10/L1/21/{unit.serial}"


def test_scanned_units_are_bound_and_the_parcel_packs(setup):
    order = setup.order(qty=2)
    with pytest.raises(DomainError) as err:
        packing.pack(setup.staff, order.pk, "1.2")
    assert err.value.code == TraceError.PACK_INCOMPLETE
    assert Shipment.objects.get(order=order).packed_at is None
    first, second = setup.units()[:2]
    bound = packing.scan_unit(setup.staff, order.pk, code(first))
    assert (bound.state, bound.order_line.order_id) == (U.PICKED, order.pk)
    assert bound.carton is None and bound.sold_at is not None
    assert bound.last_carton_id == first.carton_id  # the verify page reads its events
    # The carton it left is opened, with an unpacking event.
    assert Carton.objects.get(pk=first.carton_id).state == Carton.State.OPENED
    packing.scan_unit(setup.staff, order.pk, f"(01){second.gtin}(21){second.serial}")
    assert [p.scanned for p in packing.progress(order)] == [2]
    shipment = packing.pack(setup.staff, order.pk, "1.2")
    assert shipment.packed_at is not None and shipment.label_file
    steps = [e.biz_step for e in store.events_for_epc(gs1.sgtin_urn(first.gtin, first.serial))]
    # By event time: released by customs (earlier), then out of its carton into the parcel.
    # (shipping and receiving name its carton, not the unit: decision 0007)
    assert steps == ["commissioning", "packing",
                     "https://shequn.org/voc/bizstep/customs_releasing", "unpacking", "picking"]
    release = EpcisEvent.objects.filter(
        biz_step="https://shequn.org/voc/bizstep/customs_releasing").first()
    order.refresh_from_db()
    # the release's own time (EPCIS times to the millisecond)
    assert release.event_time == order.cleared_at.replace(
        microsecond=order.cleared_at.microsecond // 1000 * 1000)
    assert release.disposition == "sellable_accessible"
    picking = EpcisEvent.objects.filter(biz_step="picking").first().doc
    assert picking["disposition"] == "retail_sold"
    assert picking["bizTransactionList"] == [
        {"type": "po", "bizTransaction": f"urn:shequn:order:{order.number}"}]


def _refused(setup, order, text, expected, actor=None):
    before = (EpcisEvent.objects.count(),
              list(UnitCode.objects.values_list("state", "order_line").order_by("pk")))
    with pytest.raises(DomainError) as err:
        packing.scan_unit(actor or setup.staff, order.pk, text)
    assert err.value.code == expected and 400 <= err.value.status < 500
    assert (EpcisEvent.objects.count(),
            list(UnitCode.objects.values_list("state", "order_line").order_by("pk"))) == before


def test_a_unit_is_sold_once(setup):
    one, two = setup.order(qty=1), setup.order(qty=1)
    unit = setup.units()[0]
    packing.scan_unit(setup.staff, one.pk, code(unit))
    _refused(setup, two, code(unit), TraceError.ALREADY_SOLD)
    _refused(setup, one, code(unit), TraceError.ALREADY_SOLD)
    # The line is full: a second unit for a one-unit line is refused.
    _refused(setup, one, code(setup.units()[1]), TraceError.LINE_FULL)


@pytest.mark.parametrize(("state", "expected"), [
    (U.RECALLED, TraceError.RECALLED), (U.DESTROYED, TraceError.DESTROYED),
    (U.QUARANTINED, TraceError.QUARANTINED), (U.DELIVERED, TraceError.ALREADY_SOLD),
    (U.PACKED, TraceError.NOT_IN_WAREHOUSE)])
def test_units_that_may_not_be_sold_are_refused(setup, state, expected):
    order = setup.order(qty=1)
    unit = setup.units()[0]
    UnitCode.objects.filter(pk=unit.pk).update(state=state)
    _refused(setup, order, code(unit), expected)


def test_bad_scans_are_refused(setup):
    order = setup.order(qty=1)
    unit = setup.units()[0]
    _refused(setup, order, "nonsense", TraceError.BAD_CODE)
    _refused(setup, order, "https://v.example.cn/01/04512345000777/21/X", TraceError.BAD_CODE)
    _refused(setup, order, unit.carton.sscc if unit.carton else setup.cartons()[0].sscc,
             TraceError.SCAN_A_UNIT)
    _refused(setup, order, f"(01){unit.gtin}(21)UNKNOWN1", TraceError.UNKNOWN_CODE)
    # A unit of another SKU (coded, received here) is not in this order.
    other_sku = brand_sku(setup.brand)
    other_asn = make_asn(setup.brand, setup.warehouse, [(other_sku, "L1", 1)])
    other = coded_batch(setup.brand, other_sku, 1, 0, asn=other_asn)
    from shequn.trace import receiving

    stranger = UnitCode.objects.get(batch=other)
    receiving.scan(setup.staff, other_asn.pk, code(stranger))
    _refused(setup, order, code(stranger), TraceError.OTHER_SKU)


def test_staff_of_another_warehouse_are_refused(setup):
    order = setup.order(qty=1)
    op, _house = operated_warehouse()
    _refused(setup, order, code(setup.units()[0]), TraceError.NOT_ALLOWED, actor=staff(op))


def test_units_in_another_warehouse_are_refused(setup):
    order = setup.order(qty=1)
    _op, elsewhere = operated_warehouse()
    unit = setup.units()[0]
    UnitCode.objects.filter(pk=unit.pk).update(warehouse=elsewhere)
    _refused(setup, order, code(unit), TraceError.NOT_IN_WAREHOUSE)


def test_goods_without_codes_pack_as_before(setup):
    UnitCode.objects.all().delete()
    Carton.objects.all().delete()
    order = setup.order(qty=1)
    assert packing.pack(setup.staff, order.pk, "0.5").packed_at is not None


def test_no_way_to_pack_skips_the_unit_scans(setup, client):
    """The operator's one-step ship and logistics' own pack are refused too
    until the coded units are scanned; then the one-step ship goes through."""
    from shequn.logistics import outbound
    from tests.builders.people import make_operator

    order = setup.order(qty=1)
    operator = make_operator()
    for attempt in (lambda: outbound.pack(setup.staff, order.pk, "1.0"),
                    lambda: outbound.ship_order(operator, order.pk)):
        with pytest.raises(DomainError) as err:
            attempt()
        assert err.value.code == TraceError.PACK_INCOMPLETE
    assert Shipment.objects.get(order=order).packed_at is None
    packing.scan_unit(setup.staff, order.pk, code(setup.units()[0]))
    shipment = outbound.ship_order(operator, order.pk)
    assert shipment.packed_at is not None and shipment.shipped_at is not None



# ------------------------------------------------------------------ lots
# Stock was taken from the lots the pick list took (FEFO); a unit of another
# lot in the parcel would leave the books and the shelves disagreeing. Scans
# are wanted per picked lot: only for the quantity picked from coded lots.

def _lot(setup, lot, qty, *, expiry, coded):
    """Another lot of the SKU received at the warehouse, with codes (scanned
    in) or without (counted)."""
    from shequn.logistics import inbound
    from shequn.trace import receiving

    asn = make_asn(setup.brand, setup.warehouse, [(setup.sku, lot, qty)], expiry=expiry)
    if coded:
        coded_batch(setup.brand, setup.sku, qty, 0, asn=asn, lot=lot, expiry=expiry)
        for unit in UnitCode.objects.filter(batch__lot=lot):
            receiving.scan(setup.staff, asn.pk, f"(01){unit.gtin}(21){unit.serial}")
    else:
        inbound.set_count(setup.staff, asn.pk, asn.lines.get().pk, counted=qty, damaged=0)
    inbound.complete_receipt(setup.staff, asn.pk)
    return list(UnitCode.objects.filter(batch__lot=lot).order_by("pk"))


def _picked(order):
    from shequn.logistics.models import PickLine

    return sorted(PickLine.objects.filter(order=order).values_list("batch__lot", "qty"))


def _lots(order):
    (line,) = packing.progress(order)
    return line, [(lp.lot, lp.picked, lp.coded, lp.needed, lp.scanned) for lp in line.lots]


@pytest.fixture
def two_units():
    return received(2, 0)


def test_a_unit_of_a_lot_not_picked_is_refused(setup):
    later = _lot(setup, "L2", 2, expiry=dt.date(2031, 1, 1), coded=True)
    order = setup.order(qty=1)
    assert _picked(order) == [("L1", 1)]
    with pytest.raises(DomainError) as err:
        packing.scan_unit(setup.staff, order.pk, element_string(later[0]))
    assert err.value.code == TraceError.WRONG_LOT and err.value.status == 409
    assert err.value.detail == {"scanned": later[0].serial, "lot": "L2", "picked": "L1"}
    _refused(setup, order, element_string(later[0]), TraceError.WRONG_LOT)
    assert [p.scanned for p in packing.progress(order)] == [0]
    packing.scan_unit(setup.staff, order.pk, code(setup.units()[0]))
    assert [p.scanned for p in packing.progress(order)] == [1]
    assert packing.pack(setup.staff, order.pk, "0.5").packed_at is not None


def test_a_line_of_a_coded_and_an_uncoded_lot_scans_the_coded_lot_only(two_units):
    s = two_units
    _lot(s, "L2", 3, expiry=dt.date(2031, 1, 1), coded=False)
    order = s.order(qty=3)
    assert _picked(order) == [("L1", 2), ("L2", 1)]
    line, lots = _lots(order)
    assert (line.coded, line.needed, line.scanned, line.complete) == (True, 2, 0, False)
    assert lots == [("L1", 2, True, 2, 0), ("L2", 1, False, 0, 0)]
    with pytest.raises(DomainError) as err:
        packing.pack(s.staff, order.pk, "1.0")
    assert err.value.code == TraceError.PACK_INCOMPLETE
    first, second = s.units()
    packing.scan_unit(s.staff, order.pk, element_string(first))
    with pytest.raises(DomainError) as err:
        packing.pack(s.staff, order.pk, "1.0")
    assert err.value.code == TraceError.PACK_INCOMPLETE
    packing.scan_unit(s.staff, order.pk, element_string(second))
    line, lots = _lots(order)
    assert (line.needed, line.scanned, line.complete) == (2, 2, True)
    assert lots == [("L1", 2, True, 2, 2), ("L2", 1, False, 0, 0)]
    assert packing.pack(s.staff, order.pk, "1.0").packed_at is not None


def test_a_coded_sku_whose_picked_lot_came_in_uncoded_packs_without_scans(two_units):
    """The withdrawn check's deadlock: the SKU has codes here (lot L1), but
    FEFO took an earlier lot that came in without codes."""
    s = two_units
    _lot(s, "L0", 3, expiry=dt.date(2029, 1, 1), coded=False)
    order = s.order(qty=2)
    assert _picked(order) == [("L0", 2)]
    line, lots = _lots(order)
    assert (line.coded, line.needed, line.complete) == (False, 0, True)
    assert lots == [("L0", 2, False, 0, 0)]
    # A coded unit of the SKU is not of the picked lot: refused, nothing written.
    _refused(s, order, element_string(s.units()[0]), TraceError.WRONG_LOT)
    assert packing.pack(s.staff, order.pk, "1.0").packed_at is not None


def test_no_more_units_of_a_lot_than_were_picked_of_it(two_units):
    s = two_units
    later = _lot(s, "L2", 3, expiry=dt.date(2031, 1, 1), coded=True)
    order = s.order(qty=3)
    assert _picked(order) == [("L1", 2), ("L2", 1)]
    line, lots = _lots(order)
    assert (line.needed, lots) == (3, [("L1", 2, True, 2, 0), ("L2", 1, True, 1, 0)])
    packing.scan_unit(s.staff, order.pk, element_string(later[0]))
    # L2's one picked unit is scanned; the line still wants two, of L1.
    with pytest.raises(DomainError) as err:
        packing.scan_unit(s.staff, order.pk, element_string(later[1]))
    assert err.value.code == TraceError.WRONG_LOT
    assert err.value.detail == {"scanned": later[1].serial, "lot": "L2", "picked": "L1,L2"}
    _refused(s, order, element_string(later[1]), TraceError.WRONG_LOT)
    for unit in s.units():
        packing.scan_unit(s.staff, order.pk, element_string(unit))
    line, lots = _lots(order)
    assert (line.scanned, line.complete) == (3, True)
    assert lots == [("L1", 2, True, 2, 2), ("L2", 1, True, 1, 1)]
    # The line is full now: the old refusal.
    _refused(s, order, element_string(later[2]), TraceError.LINE_FULL)
    assert packing.pack(s.staff, order.pk, "1.0").packed_at is not None


def test_a_lot_with_fewer_codes_here_than_picked_wants_only_those(two_units):
    """Part of a lot came in without codes: the codes still here are scanned,
    the rest packs as before (else the parcel could never be packed)."""
    s = two_units
    other = s.order(qty=1)
    packing.scan_unit(s.staff, other.pk, element_string(s.units()[0]))
    from shequn.inventory import services as stock_services

    stock_services.receive(warehouse=s.warehouse, sku=s.sku, lot="L1",
                           expiry=dt.date(2030, 1, 1), qty=2, ref="count", note="uncoded")
    order = s.order(qty=2)
    assert _picked(order) == [("L1", 2)]
    line, lots = _lots(order)
    assert (line.needed, lots) == (1, [("L1", 2, True, 1, 0)])
    packing.scan_unit(s.staff, order.pk, element_string(s.units()[1]))
    assert packing.pack(s.staff, order.pk, "1.0").packed_at is not None


def test_without_lots_on_the_pick_list_every_unit_of_a_coded_sku_is_scanned(setup):
    from shequn.logistics.models import PickLine

    order = setup.order(qty=2)
    PickLine.objects.filter(order=order).delete()
    line, lots = _lots(order)
    assert (line.coded, line.needed, lots) == (True, 2, [])
    for unit in setup.units()[:2]:
        packing.scan_unit(setup.staff, order.pk, code(unit))
    assert packing.pack(setup.staff, order.pk, "1.0").packed_at is not None


def test_the_packing_page_names_the_lots_to_scan(two_units, client):
    s = two_units
    later = _lot(s, "L2", 3, expiry=dt.date(2031, 1, 1), coded=False)
    assert later == []
    order = s.order(qty=3)
    pick_id = Shipment.objects.get(order=order).pick_list_id
    client.force_login(s.staff)
    page = client.get(f"/warehouse/out/pick/{pick_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 of 2 units scanned" in page
    assert 'data-lot="L1">Lot L1: 0/2<' in page and 'data-lot="L2"' not in page
    stray = _lot(s, "L3", 1, expiry=dt.date(2032, 1, 1), coded=True)[0]
    resp = client.post(f"/warehouse/out/pack/{order.pk}/scan/", {"code": element_string(stray)})
    assert resp.status_code == 409 and b'data-code="trace_wrong_lot"' in resp.content
    client.post(f"/warehouse/out/pack/{order.pk}/scan/", {"code": element_string(s.units()[0])})
    page = client.get(f"/warehouse/out/pick/{pick_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 2 units scanned" in page and "Lot L1: 1/2" in page
