"""A NUL (or another control character) typed or pasted into the supply pages'
forms: PostgreSQL text cannot hold one, and a lookup or a row naming it raised
DataError (a 500). A lot or a SKU code with one is a line error; free text
(reference, note, reason) is stored without it."""

from __future__ import annotations

import pytest

from shequn.accounts import roles
from shequn.logistics.models import ASN, Adjustment, Discrepancy, Transfer
from tests.builders import make_org, make_stock
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, soon, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    brand = make_org()
    op, wh = operated_warehouse()
    sku = brand_sku(brand)
    asn = make_asn(brand, wh, [(sku, "WL1", 3)])
    return brand, op, wh, sku, asn


def _asn_form(wh, code, lot, **extra):
    return {"warehouse": wh.pk, "expected_date": soon().isoformat(),
            "lines": f"{code},{lot},2030-01-01,3", "reference": "r", "note": "n", **extra}


@pytest.mark.parametrize(("code", "lot", "error"), [
    ("{sku}", "L\x001", "invalid_line"), ("{sku}\x00", "L1", "unknown_sku")])
def test_a_lot_or_code_with_nul_is_a_line_error(client, setup, code, lot, error):
    brand, _op, wh, sku, _asn = setup
    client.force_login(staff(brand, roles.BRAND_STAFF))
    before = ASN.objects.count()
    r = client.post("/brand/stock/asns/new/", _asn_form(wh, code.format(sku=sku.code), lot))
    assert r.status_code == 422
    assert ASN.objects.count() == before
    assert r.context["error"].code == error


def test_free_text_of_an_asn_is_stored_without_nul(client, setup):
    brand, _op, wh, sku, _asn = setup
    client.force_login(staff(brand, roles.BRAND_STAFF))
    r = client.post("/brand/stock/asns/new/", _asn_form(
        wh, sku.code, "L2", reference="PO\x00-7", note="fragile\x00 goods",
        bond_invt_no="B\x001"))
    assert r.status_code == 302
    asn = ASN.objects.latest("pk")
    assert (asn.reference, asn.note, asn.bond_invt_no) == ("PO-7", "fragile goods", "B1")


def test_warehouse_texts_with_nul(client, setup):
    _brand, op, wh, sku, asn = setup
    client.force_login(staff(op))
    line = asn.lines.get()
    r = client.post(f"/warehouse/asn/{asn.pk}/lines/{line.pk}/",
                    {"counted": "2", "damaged": "0", "reason": "one\x00 short"})
    assert r.status_code == 302
    line.refresh_from_db()
    assert (line.counted, line.reason) == (2, "one short")
    r = client.post(f"/warehouse/asn/{asn.pk}/wrong/",
                    {"code": "69\x0012", "qty": "1", "reason": "wrong\x00 colour"})
    assert r.status_code == 302
    wrong = Discrepancy.objects.get(asn=asn, kind=Discrepancy.Kind.WRONG)
    assert (wrong.code, wrong.reason) == ("6912", "wrong colour")
    stock = make_stock(wh, sku, 5)
    r = client.post("/warehouse/stock/adjust/", {"stock": stock.pk, "reason": "found",
                                                 "delta": "1", "note": "shelf\x00 B"})
    assert r.status_code == 302
    assert Adjustment.objects.get(stock=stock).note == "shelf B"
    _other, target = operated_warehouse()
    r = client.post("/warehouse/stock/transfer/", {"stock": stock.pk, "to": target.pk,
                                                   "qty": "1", "note": "move\x00 it"})
    assert r.status_code == 302
    assert Transfer.objects.get(from_warehouse=wh).note == "move it"
