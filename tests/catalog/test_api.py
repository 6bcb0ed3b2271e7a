from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from shequn.catalog.models import SKU
from tests.builders import make_product, make_sku, make_stock, make_warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client()


def test_product_list_and_detail(client):
    product = make_product(name="面霜", image="img/cream.png")
    a = make_sku(product=product, price="120.00", hs_code="3304990099")
    b = make_sku(product=product, price="80.50", hs_code="3304990099")
    bonded, direct = make_warehouse("bonded"), make_warehouse("direct_mail")
    make_stock(bonded, a, 7)
    make_stock(bonded, a, 3)
    make_stock(direct, a, 2)

    r = client.get("/api/v1/catalog/products")
    assert r.status_code == 200, r.content
    [item] = r.json()
    assert item["name"] == "面霜" and item["image"] == "img/cream.png"
    assert Decimal(item["min_price"]) == Decimal("80.50")
    assert [s["id"] for s in item["skus"]] == [b.id, a.id]
    assert {"id", "code", "gmodel", "price"} <= set(item["skus"][0])

    r = client.get(f"/api/v1/catalog/products/{product.id}")
    assert r.status_code == 200, r.content
    body = r.json()
    skus = {s["id"]: s for s in body["skus"]}
    assert skus[a.id]["available"] == {"1210": 10, "9610": 2}
    assert skus[b.id]["available"] == {}
    assert skus[a.id]["hs_code"] == "3304990099"
    assert Decimal(skus[a.id]["vat_rate"]) == Decimal("0.13")
    assert skus[a.id]["consumption_tax_rule"] == SKU.ConsumptionTaxRule.NONE
    assert body["origin"] == product.origin_country


def test_unknown_product_is_404_with_error_body(client):
    r = client.get("/api/v1/catalog/products/999999")
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "unknown_product"
    assert body["message"] and body["message_en"]
