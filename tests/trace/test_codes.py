"""Generating unit and carton codes: checks before anything is written, the
chunked resumable job, the EPCIS events it writes, packing by hand."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from shequn.catalog.models import Organization
from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.trace import codes, gs1
from shequn.trace.epcis import store
from shequn.trace.errors import TraceError
from shequn.trace.models import Carton, CodeBatch, EpcisEvent, UnitCode
from tests.builders.catalog import make_org
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse
from tests.builders.trace import coded_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    return make_org(Organization.Kind.BRAND)


@pytest.fixture
def sku(brand):
    return brand_sku(brand)


def test_a_batch_is_generated_with_cartons_and_events(brand, sku):
    batch = codes.create_batch(None, brand, sku_id=sku.pk, lot="L-7",
                               expiry=dt.date(2030, 6, 30), quantity=7, per_carton=3)
    assert batch.state == CodeBatch.State.QUEUED and batch.generated == 0
    outbox.drain()  # the job runs through the outbox
    batch.refresh_from_db()
    assert (batch.state, batch.generated) == (CodeBatch.State.DONE, 7)
    units = list(UnitCode.objects.filter(batch=batch))
    assert len(units) == 7 and len({u.serial for u in units}) == 7
    assert all(len(u.serial) == 13 and u.gtin == gs1.gtin14(sku.gtin) for u in units)
    cartons = list(Carton.objects.filter(batch=batch))
    assert sorted(c.units.count() for c in cartons) == [1, 3, 3]
    assert all(gs1.valid_sscc(c.sscc) for c in cartons)
    # The brand's company prefix is in the SSCC.
    split = codes.split(batch.gtin)
    assert all(c.sscc[1:1 + len(split.prefix)] == split.prefix for c in cartons)
    unit = units[0]
    history = list(store.events_for_epc(gs1.sgtin_urn(unit.gtin, unit.serial)))
    assert [e.biz_step for e in history] == ["commissioning", "packing"]
    commissioning = history[0].doc
    assert commissioning["action"] == "ADD" and commissioning["disposition"] == "active"
    assert commissioning["ilmd"] == {"cbvmda:lotNumber": "L-7",
                                     "cbvmda:itemExpirationDate": "2030-06-30"}
    assert commissioning["eventTimeZoneOffset"] == "+08:00"
    packing = history[1].doc
    assert packing["type"] == "AggregationEvent" and packing["action"] == "ADD"
    assert packing["parentID"] == codes.split(unit.gtin).sscc_urn(unit.carton.sscc)
    # The Digital Link reads back as the same unit.
    link = codes.link_of(unit, batch, "https://v.example.cn")
    assert link.endswith(f"/01/{unit.gtin}/10/L-7/21/{unit.serial}?17=300630")
    assert gs1.read(link).serial == unit.serial


def test_chunks_resume_after_a_crash(brand, sku):
    batch = codes.create_batch(None, brand, sku_id=sku.pk, lot="L1", quantity=10,
                               per_carton=2)
    codes.generate(batch.pk, chunk=4, limit=1)
    batch.refresh_from_db()
    assert (batch.generated, batch.state) == (4, CodeBatch.State.RUNNING)
    # The next chunk crashes half way: nothing of it stays.
    with mock.patch("shequn.trace.journey.write", side_effect=RuntimeError("killed")), \
            pytest.raises(RuntimeError):
        codes.generate(batch.pk, chunk=4)
    batch.refresh_from_db()
    assert batch.generated == 4 and UnitCode.objects.filter(batch=batch).count() == 4
    assert Carton.objects.filter(batch=batch).count() == 2
    # Resumed (the periodic job finds it stale): the rest, once.
    CodeBatch.objects.filter(pk=batch.pk).update(
        progressed_at=batch.progressed_at - codes.STALE_AFTER * 2)
    assert codes.resume_stale() == 1
    batch.refresh_from_db()
    assert (batch.generated, batch.state) == (10, CodeBatch.State.DONE)
    assert UnitCode.objects.filter(batch=batch).count() == 10
    assert Carton.objects.filter(batch=batch).count() == 5
    # A duplicate delivery of the job does nothing more.
    codes.run_requested(batch.pk)
    assert UnitCode.objects.filter(batch=batch).count() == 10
    # 4 units in the first chunk, the remaining 6 in one resumed chunk
    assert EpcisEvent.objects.filter(biz_step="commissioning").count() == 2


@pytest.mark.parametrize(("fields", "code"), [
    ({"quantity": 0}, TraceError.BAD_QUANTITY),
    ({"quantity": 1_000_001}, TraceError.BAD_QUANTITY),
    ({"quantity": "many"}, TraceError.BAD_QUANTITY),
    ({"per_carton": -1}, TraceError.BAD_PER_CARTON),
    ({"per_carton": 10_001}, TraceError.BAD_PER_CARTON),
    ({"lot": ""}, TraceError.BAD_LOT),
    ({"lot": "L/1"}, TraceError.BAD_LOT),
    ({"lot": "X" * 21}, TraceError.BAD_LOT),
])
def test_bad_requests_write_nothing(brand, sku, fields, code):
    args = {"lot": "L1", "quantity": 5, "per_carton": 0, **fields}
    with pytest.raises(DomainError) as err:
        codes.create_batch(None, brand, sku_id=sku.pk, **args)
    assert err.value.code == code and 400 <= err.value.status < 500
    assert not CodeBatch.objects.exists()


@pytest.mark.parametrize("gtin", ["", "6901234567890", "12345"])
def test_a_sku_without_a_valid_gtin_is_refused(brand, sku, gtin):
    # No barcode, or one stored before the catalog checked it (wrong check digit).
    type(sku).objects.filter(pk=sku.pk).update(gtin=gtin)
    with pytest.raises(DomainError) as err:
        codes.create_batch(None, brand, sku_id=sku.pk, lot="L1", quantity=5)
    assert err.value.code == TraceError.BAD_GTIN and err.value.status == 422
    assert not CodeBatch.objects.exists()


def test_only_the_brands_own_skus(brand):
    other = brand_sku(make_org(Organization.Kind.BRAND))
    with pytest.raises(DomainError) as err:
        codes.create_batch(None, brand, sku_id=other.pk, lot="L1", quantity=5)
    assert err.value.code == TraceError.NOT_YOUR_SKU and err.value.status == 404


def test_for_an_asn_line_lot_and_expiry_come_from_the_line(brand, sku):
    _op, house = operated_warehouse()
    asn = make_asn(brand, house, [(sku, "LOT9", 4)], expiry=dt.date(2031, 1, 31))
    batch = coded_batch(brand, sku, quantity=4, per_carton=2, asn=asn)
    assert (batch.lot, batch.expiry, batch.quantity, batch.asn) == (
        "LOT9", dt.date(2031, 1, 31), 4, asn)
    carton = Carton.objects.filter(batch=batch).first()
    steps = [e.biz_step for e in store.events_for_epc(
        codes.split(batch.gtin).sscc_urn(carton.sscc))]
    # packed, then shipped to the warehouse with the ASN as despatch advice
    assert steps == ["packing", "shipping"]
    shipping = EpcisEvent.objects.get(biz_step="shipping").doc
    assert shipping["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": f"urn:shequn:asn:{asn.number}"}]
    assert shipping["destinationList"][0]["destination"] == f"urn:shequn:warehouse:{house.code}"


def test_warehouse_staff_code_only_their_warehouses_asns(brand, sku):
    _op, house = operated_warehouse()
    _op2, elsewhere = operated_warehouse()
    asn = make_asn(brand, house, [(sku, "L1", 4)])
    line = asn.lines.get()
    from shequn.inventory.models import Warehouse

    with pytest.raises(DomainError) as err:
        codes.create_batch(None, None, asn_line_id=line.pk,
                           warehouses=Warehouse.objects.filter(pk=elsewhere.pk))
    assert err.value.status == 404
    batch = codes.create_batch(None, None, asn_line_id=line.pk,
                               warehouses=Warehouse.objects.filter(pk=house.pk))
    assert batch.org == brand and batch.quantity == 4


def test_packing_by_hand_refuses_bad_input(brand, sku):
    batch = coded_batch(brand, sku, quantity=4, per_carton=0)
    u1, u2, u3, u4 = UnitCode.objects.filter(batch=batch).order_by("pk")
    s = codes.split(batch.gtin)
    new = gs1.new_sscc(s.prefix)

    def code(u):
        return f"(01){u.gtin}(21){u.serial}"

    def refused(parent, children, expected):
        before = (EpcisEvent.objects.count(), Carton.objects.count())
        with pytest.raises(DomainError) as err:
            codes.aggregate(None, brand, parent, children)
        assert err.value.code == expected and 400 <= err.value.status < 500
        assert (EpcisEvent.objects.count(), Carton.objects.count()) == before

    refused("not a code", [code(u1)], TraceError.BAD_CODE)
    refused(new, ["https://v.example.cn/01/12345678901234/21/A"], TraceError.BAD_CODE)
    refused(code(u1), [code(u2)], TraceError.NOT_A_CARTON)
    refused(new, [new], TraceError.CARTON_INTO_ITSELF)
    refused(new, [f"https://v.example.cn/00/{new}"], TraceError.CARTON_INTO_ITSELF)
    refused(new, [code(u1), code(u1)], TraceError.ALREADY_PACKED)
    carton = codes.aggregate(None, brand, new, [code(u1), code(u2)])
    assert set(carton.units.all()) == {u1, u2}
    refused(gs1.new_sscc(s.prefix), [code(u2)], TraceError.ALREADY_PACKED)  # packed twice
    # Cartons onto a pallet; the pallet into its own carton is a cycle.
    pallet = gs1.new_sscc(s.prefix)
    codes.aggregate(None, brand, pallet, [new, code(u3)])
    refused(new, [pallet], TraceError.CARTON_INTO_ITSELF)
    refused(gs1.new_sscc(s.prefix), [code(u4)[:-1] + "?"], TraceError.UNKNOWN_CODE)  # not ours
    refused(gs1.new_sscc(s.prefix), ["(01)0690000000017(21)X"], TraceError.BAD_CODE)
    assert EpcisEvent.objects.filter(biz_step="packing", action="ADD").count() == 2
