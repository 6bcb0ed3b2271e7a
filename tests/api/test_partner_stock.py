"""Partner API, stock and ASNs: bounded by the key's organization; bad input
refused with a code and nothing written."""

from __future__ import annotations

import pytest

from shequn.brands import apikeys
from shequn.logistics import inbound
from shequn.logistics.models import ASN
from tests.builders import make_org, make_stock
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, soon

pytestmark = pytest.mark.django_db


def _key(org, *scopes):
    return {"HTTP_AUTHORIZATION": f"Bearer {apikeys.create_key(org, list(scopes))[1]}"}


@pytest.fixture
def world():
    a, b = make_org(), make_org()
    _, wh = operated_warehouse()
    sa, sb = brand_sku(a), brand_sku(b)
    make_stock(wh, sa, 10, lot="A-LOT")
    make_stock(wh, sb, 20, lot="B-LOT")
    return a, b, wh, sa, sb


def _asn_body(wh, sku, **change):
    line = {"sku": sku.code, "lot": "API1", "expiry": "2030-01-01", "qty": 12}
    line |= change.pop("line", {})
    return {"warehouse": wh.pk, "expected_date": soon().isoformat(), "lines": [line]} | change


def test_stock_is_the_keys_organizations_only(client, world):
    a, b, wh, sa, sb = world
    r = client.get("/api/v1/partner/stock", **_key(a, "stock"))
    assert r.status_code == 200
    assert [(x["sku"], x["lot"], x["available"]) for x in r.json()] == [(sa.code, "A-LOT", 10)]
    assert client.get("/api/v1/partner/stock", **_key(a, "asn")).status_code == 403
    assert client.get("/api/v1/partner/stock").status_code == 401


def test_create_list_get_asn_and_receipt(client, world):
    a, b, wh, sa, sb = world
    key = _key(a, "asn")
    r = client.post("/api/v1/partner/stock/asns", _asn_body(wh, sa),
                    content_type="application/json", **key)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert r.json()["status"] == "submitted" and r.json()["ems_no"] == wh.ems_no
    asn = ASN.objects.get(number=number)
    line = asn.lines.get()
    inbound.set_count(None, asn.pk, line.pk, counted=13, damaged=2, reason="多一件，两件破损")
    inbound.complete_receipt(None, asn.pk)
    got = client.get(f"/api/v1/partner/stock/asns/{number}", **key).json()
    assert got["status"] == "received" and got["lines"][0]["received"] == 11
    found = sorted((d["kind"], d["qty"]) for d in got["discrepancies"])
    assert found == [("damaged", 2), ("over", 1)]
    assert [x["number"] for x in client.get("/api/v1/partner/stock/asns", **key).json()] == [number]
    # Another organization's key: not found, not listed.
    other = _key(b, "asn")
    assert client.get(f"/api/v1/partner/stock/asns/{number}", **other).status_code == 404
    assert client.get("/api/v1/partner/stock/asns", **other).json() == []


@pytest.mark.parametrize("change, code", [
    ({"line": {"qty": 0}}, "invalid_qty"),
    ({"line": {"qty": -5}}, "invalid_qty"),
    ({"line": {"qty": 5_000_000}}, "invalid_qty"),
    ({"line": {"sku": "NOPE-1"}}, "unknown_sku"),
    ({"line": {"expiry": "2020-01-01"}}, "reversed_dates"),
    ({"warehouse": 987654}, "unknown_warehouse"),
])
def test_bad_asn_refused_and_nothing_written(client, world, change, code):
    a, b, wh, sa, sb = world
    r = client.post("/api/v1/partner/stock/asns", _asn_body(wh, sa, **change),
                    content_type="application/json", **_key(a, "asn"))
    assert r.status_code == 422, r.content
    assert r.json()["code"] == code
    assert not ASN.objects.exists()


def test_foreign_sku_refused(client, world):
    a, b, wh, sa, sb = world
    r = client.post("/api/v1/partner/stock/asns", _asn_body(wh, sa, line={"sku": sb.gtin}),
                    content_type="application/json", **_key(a, "asn"))
    assert r.status_code == 422 and r.json()["code"] == "foreign_sku"
    assert not ASN.objects.exists()
    assert make_asn(b, wh, [(sb, "X", 1)]).owner == b
