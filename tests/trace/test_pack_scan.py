"""Packing an order by scanning its units: each unit bound to its order line
once; sold, recalled, destroyed, quarantined, unknown, other-SKU, foreign or
already-bound units refused with nothing stored; the parcel is packed only
when every coded line is complete."""

from __future__ import annotations

import pytest

from shequn.core.errors import DomainError
from shequn.logistics.models import Shipment
from shequn.trace import gs1, packing
from shequn.trace.epcis import store
from shequn.trace.errors import TraceError
from shequn.trace.models import Carton, EpcisEvent, UnitCode
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, staff
from tests.builders.trace import Setup, coded_batch

pytestmark = pytest.mark.django_db
U = UnitCode.State


@pytest.fixture
def setup():
    s = Setup(qty=6, per_carton=3)
    s.receive_all()
    return s


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

