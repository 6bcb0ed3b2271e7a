"""Partner catalog API: the key's organization's products, the console's checks,
and 404 for another organization's products."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shequn.brands.apikeys import create_key
from shequn.catalog.models import Product
from tests.builders.people import make_operator
from tests.builders.products import approved_product, brand_side, sku_data

pytestmark = pytest.mark.django_db
BASE = "/api/v1/partner/catalog"


def _key(org, scope: str = "catalog") -> dict:
    _row, key = create_key(org, [scope])
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _post(c: Client, url: str, body: dict, auth: dict, method: str = "post"):
    return getattr(c, method)(url, data=json.dumps(body), content_type="application/json",
                              **auth)


def _body(side, **over) -> dict:
    sku = {k: v for k, v in sku_data().items()}
    body = {"name": "接口商品", "origin_country": "116", "seller": side.seller.code,
            "skus": [sku], "submit": True}
    body.update(over)
    return body


def test_create_list_get_and_review_state():
    side = brand_side()
    auth = _key(side.brand)
    c = Client()
    resp = _post(c, f"{BASE}/products", _body(side), auth)
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["review_state"] == "pending" and len(data["skus"]) == 1
    listed = c.get(f"{BASE}/products", **auth).json()
    assert [p["id"] for p in listed] == [data["id"]]
    assert c.get(f"{BASE}/products/{data['id']}", **auth).json()["name"] == "接口商品"
    sku_id = data["skus"][0]["id"]
    assert c.get(f"{BASE}/skus/{sku_id}", **auth).status_code == 200


def test_validation_errors_by_field_and_nothing_written():
    side = brand_side()
    body = _body(side, origin_country="XX")
    body["skus"][0]["vat_rate"] = "0.5"
    resp = _post(Client(), f"{BASE}/products", body, _key(side.brand))
    assert resp.status_code == 422
    err = resp.json()
    assert err["code"] == "invalid_fields"
    assert err["fields"]["origin_country"]["code"] == "invalid_country"
    assert err["fields"]["sku0.vat_rate"]["code"] == "invalid_vat_rate"
    assert not Product.objects.exists()


def test_tax_change_on_approved_product_returns_a_change_request():
    side = brand_side()
    product = approved_product(side, make_operator())
    sku = product.skus.get()
    resp = _post(Client(), f"{BASE}/skus/{sku.pk}", {"hs_code": "3304990099",
                                                      "vat_rate": "0.09", "price": "150.00"},
                 _key(side.brand), method="patch")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["sku"]["vat_rate"] == "0.1300" or float(data["sku"]["vat_rate"]) == 0.13
    assert float(data["sku"]["price"]) == 150.0
    assert data["change_request"]["changes"] == {"vat_rate": ["0.13", "0.09"]}


def test_another_organization_gets_404():
    side, other = brand_side(), brand_side()
    product = approved_product(side, make_operator())
    sku = product.skus.get()
    auth = _key(other.brand)
    c = Client()
    assert c.get(f"{BASE}/products/{product.pk}", **auth).status_code == 404
    assert c.get(f"{BASE}/skus/{sku.pk}", **auth).status_code == 404
    assert _post(c, f"{BASE}/products/{product.pk}", {"name": "x"}, auth,
                 method="patch").status_code == 404
    assert _post(c, f"{BASE}/skus/{sku.pk}", {"price": "1.00"}, auth,
                 method="patch").status_code == 404
    assert _post(c, f"{BASE}/products/{product.pk}/skus", sku_data(), auth).status_code == 404
    assert c.get(f"{BASE}/products", **auth).json() == []
    product.refresh_from_db()
    assert product.name != "x"


def test_key_without_catalog_scope_refused():
    side = brand_side()
    resp = Client().get(f"{BASE}/products", **_key(side.brand, "stock"))
    assert resp.status_code == 403
    assert Client().get(f"{BASE}/products").status_code == 401


def test_in_openapi():
    doc = Client().get("/api/openapi.json")
    if doc.status_code == 404:
        doc = Client().get("/api/docs/openapi.json")
    paths = doc.json()["paths"]
    assert f"{BASE}/products" in paths and f"{BASE}/skus/{{sku_id}}" in paths


@pytest.mark.parametrize("query", ["offset=99999999999999999999", "limit=99999999999999999999",
                                   "offset=-99999999999999999999"])
def test_page_parameters_beyond_64_bits_are_refused_not_a_server_error(query):
    side = brand_side()
    resp = Client().get(f"{BASE}/products?{query}", **_key(side.brand))
    assert resp.status_code == 422, resp.content
    assert resp.json()["code"] == "invalid_input"


def test_page_parameters_are_clamped():
    side = brand_side()
    auth = _key(side.brand)
    c = Client()
    assert _post(c, f"{BASE}/products", _body(side), auth).status_code == 201
    assert len(c.get(f"{BASE}/products?limit=0&offset=-5", **auth).json()) == 1
    assert c.get(f"{BASE}/products?offset=2147483647", **auth).json() == []
