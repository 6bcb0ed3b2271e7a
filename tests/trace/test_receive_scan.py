"""Receiving coded goods by scanning: a carton receives its units, a loose
unit one; what is not on the ASN, already received or unreadable is refused
with nothing stored."""

from __future__ import annotations

import pytest

from shequn.core.errors import DomainError
from shequn.logistics.models import ASN
from shequn.trace import codes, gs1, receiving
from shequn.trace.epcis import store
from shequn.trace.errors import TraceError
from shequn.trace.models import Carton, EpcisEvent, UnitCode
from tests.builders.inbound import brand_sku, make_asn
from tests.builders.trace import Setup, coded_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return Setup(qty=7, per_carton=3)  # cartons of 3, 3 and 1


def test_a_carton_scan_receives_all_its_units(setup):
    carton = setup.cartons()[0]
    result = receiving.scan(setup.staff, setup.asn.pk, f"https://v.example.cn/00/{carton.sscc}")
    assert result.units == 3 and result.line.counted == 3
    setup.asn.refresh_from_db()
    assert setup.asn.status == ASN.Status.RECEIVING
    carton.refresh_from_db()
    assert (carton.state, carton.warehouse) == (Carton.State.RECEIVED, setup.warehouse)
    units = list(carton.units.all())
    assert {u.state for u in units} == {UnitCode.State.RECEIVED}
    assert {u.warehouse_id for u in units} == {setup.warehouse.pk}
    event = EpcisEvent.objects.get(biz_step="receiving").doc
    assert event["epcList"] == [codes.split(setup.batch.gtin).sscc_urn(carton.sscc)]
    assert event["disposition"] == "sellable_not_accessible"
    assert event["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": f"urn:shequn:asn:{setup.asn.number}"}]
    assert event["bizLocation"] == {"id": f"urn:shequn:warehouse:{setup.warehouse.code}"}
    # The unit's history: commissioned, packed, shipped (the carton), received (the carton)
    unit = units[0]
    steps = [e.biz_step for e in store.events_for_epc(gs1.sgtin_urn(unit.gtin, unit.serial))]
    assert steps == ["commissioning", "packing"]


def test_a_loose_unit_scan_receives_one_and_opens_its_carton(setup):
    unit = setup.units()[0]
    carton_id = unit.carton_id
    result = receiving.scan(setup.staff, setup.asn.pk, f"(01){unit.gtin}(21){unit.serial}")
    assert result.units == 1 and result.line.counted == 1
    unit.refresh_from_db()
    assert unit.state == UnitCode.State.RECEIVED and unit.carton is None
    assert carton_id is not None and unit.last_carton_id == carton_id
    steps = [e.biz_step for e in store.events_for_epc(gs1.sgtin_urn(unit.gtin, unit.serial))]
    assert steps == ["commissioning", "packing", "unpacking", "receiving"]


def _refused(setup, code, expected):
    before = (EpcisEvent.objects.count(), setup.asn.lines.get().counted,
              list(UnitCode.objects.values_list("state", flat=True).order_by("pk")))
    with pytest.raises(DomainError) as err:
        receiving.scan(setup.staff, setup.asn.pk, code)
    assert err.value.code == expected and 400 <= err.value.status < 500
    after = (EpcisEvent.objects.count(), setup.asn.lines.get().counted,
             list(UnitCode.objects.values_list("state", flat=True).order_by("pk")))
    assert after == before


def test_a_carton_already_received_is_refused(setup):
    carton = setup.cartons()[0]
    receiving.scan(setup.staff, setup.asn.pk, carton.sscc)
    _refused(setup, carton.sscc, TraceError.CARTON_RECEIVED)
    unit = carton.units.first()
    _refused(setup, f"(01){unit.gtin}(21){unit.serial}", TraceError.UNIT_RECEIVED)


@pytest.mark.parametrize("code", [
    "", "hello", "123456789012345678",  # SSCC with a wrong check digit
    "https://v.example.cn/01/04512345000777/21/X",  # GTIN with a wrong check digit
    "https://v.example.cn/01/04512345000776",  # no serial
    "https://v.example.cn/00/12345",
])
def test_malformed_codes_are_refused(setup, code):
    _refused(setup, code, TraceError.BAD_CODE)


def test_codes_not_on_this_asn_are_refused(setup):
    # Another SKU of the brand, coded for another ASN into the same warehouse.
    other_sku = brand_sku(setup.brand)
    other_asn = make_asn(setup.brand, setup.warehouse, [(other_sku, "L1", 2)])
    other = coded_batch(setup.brand, other_sku, 2, 2, asn=other_asn)
    _refused(setup, Carton.objects.get(batch=other).sscc, TraceError.NOT_ON_ASN)
    # Codes Shequn never issued.
    _refused(setup, gs1.new_sscc(codes.split(setup.batch.gtin).prefix), TraceError.UNKNOWN_CODE)
    unit = setup.units()[0]
    _refused(setup, f"(01){unit.gtin}(21)NOTOURS", TraceError.UNKNOWN_CODE)


def test_receiving_every_carton_counts_the_line(setup):
    setup.receive_all()
    line = setup.asn.lines.get()
    assert (line.counted, line.received) == (7, 7)
    assert UnitCode.objects.filter(state=UnitCode.State.RECEIVED).count() == 7
