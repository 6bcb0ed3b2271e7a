"""POST /api/v1/tax/quote (public, no database)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

URL = "/api/v1/tax/quote"


@pytest.fixture
def client() -> Client:
    return Client()


def post(client: Client, body: object | str):
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data=data, content_type="application/json")


def test_mixed_basket(client):
    resp = post(client, {"lines": [
        {"name": "面霜", "qty": 1, "unit_price": "300", "vat_rate": "0.13",
         "consumption_tax_rate": "0.15"},
        {"name": "奶粉", "qty": 1, "unit_price": 200, "vat_rate": 0.13},
    ], "freight": "20", "extra_field": "ignored"})
    assert resp.status_code == 200, resp.content
    out = resp.json()
    assert (out["regime"], out["code"]) == ("cbec", None)
    assert out["taxable_total"] == "520.00"
    assert (out["consumption_tax"], out["vat"], out["tax_total"]) == ("38.54", "52.33",
                                                                      "90.87")
    assert [ln["taxable_price"] for ln in out["lines"]] == ["312.00", "208.00"]
    assert [ln["tax"] for ln in out["lines"]] == ["71.94", "18.93"]
    assert out["lines"][0]["name"] == "面霜"


def test_full_tax_handbag(client):
    resp = post(client, {"lines": [{"name": "bag", "qty": 1, "unit_price": "6000",
                                    "vat_rate": "0.13", "tariff_rate": "0.10"}],
                         "annual_used": "10000"})
    out = resp.json()
    assert resp.status_code == 200
    assert out["regime"] == "cbec_full_tax"
    assert (out["duty"], out["vat"], out["tax_total"]) == ("600.00", "858.00", "1458.00")


def test_refused_is_200(client):
    resp = post(client, {"lines": [
        {"name": "a", "qty": 1, "unit_price": "2800", "vat_rate": "0.13"},
        {"name": "b", "qty": 1, "unit_price": "2400", "vat_rate": "0.13"}]})
    assert resp.status_code == 200
    assert (resp.json()["regime"], resp.json()["code"]) == ("refused", "over_single_limit")


def test_inclusive_price(client):
    resp = post(client, {"lines": [{"name": "a", "qty": 1, "unit_price": "199.00",
                                    "vat_rate": "0.13"}], "price_includes_tax": True})
    out = resp.json()
    assert (out["goods_value"], out["tax_total"]) == ("182.40", "16.60")


def test_json_number_parsed_exactly(client):
    # 0.1 × 3 as floats is 0.30000000000000004; as Decimal it is exactly 0.3.
    resp = post(client, '{"lines": [{"name": "a", "qty": 3, "unit_price": 0.1, '
                        '"vat_rate": 0.13}], "freight": 0.2}')
    assert resp.status_code == 200
    assert resp.json()["taxable_total"] == "0.50"


LINE = {"name": "a", "qty": 1, "unit_price": "10", "vat_rate": "0.13"}


@pytest.mark.parametrize(("body", "code"), [
    ("{oops", "malformed_json"),
    ("", "malformed_json"),
    # Nested past the interpreter's recursion limit: a RecursionError (a 500) before.
    ('{"a":' * 5000 + "1" + "}" * 5000, "malformed_json"),
    ("[" * 100000 + "]" * 100000, "malformed_json"),
    ("[1, 2]", "invalid_input"),
    ({"lines": []}, "no_lines"),
    ({"lines": [LINE] * 100}, "too_many_lines"),
    ({}, "missing_field"),
    ({"lines": [{**LINE, "unit_price": None}]}, "missing_field"),
    ({"lines": [{"qty": 1, "unit_price": "1", "vat_rate": "0.1"}]}, "missing_field"),
    ({"lines": [{**LINE, "unit_price": "12,5"}]}, "invalid_number"),
    ({"lines": [{**LINE, "unit_price": True}]}, "invalid_number"),
    ({"lines": [{**LINE, "unit_price": "Infinity"}]}, "invalid_number"),
    ({"lines": [{**LINE, "qty": 0}]}, "invalid_qty"),
    ({"lines": [{**LINE, "qty": -2}]}, "invalid_qty"),
    ({"lines": [{**LINE, "qty": "2"}]}, "invalid_qty"),
    ('{"lines": [{"name": "a", "qty": 1.5, "unit_price": "1", "vat_rate": "0.1"}]}',
     "invalid_qty"),
    ({"lines": [{**LINE, "vat_rate": "1"}]}, "invalid_rate"),
    ({"lines": [{**LINE, "consumption_tax_rate": "-0.01"}]}, "invalid_rate"),
    ({"lines": [{**LINE, "tariff_rate": "1.5"}]}, "invalid_rate"),
    ({"lines": [{**LINE, "unit_price": "-1"}]}, "negative_amount"),
    ({"lines": [LINE], "freight": "-0.01"}, "negative_amount"),
    ({"lines": [LINE], "annual_used": "-5"}, "negative_amount"),
    ({"lines": [LINE], "price_includes_tax": "yes"}, "invalid_input"),
])
def test_invalid_input_is_422(client, body, code):
    resp = post(client, body)
    assert resp.status_code == 422, resp.content
    out = resp.json()
    assert out["code"] == code
    assert out["message"] and out["message_en"]


def test_openapi_documents_request_body(client):
    spec = client.get("/api/openapi.json").json()
    op = spec["paths"]["/api/v1/tax/quote"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert "lines" in schema["properties"]
    assert op["tags"] == ["tax"]
    assert "security" not in op
