"""The APIs carry a product's English description and a SKU's English option label
next to the Chinese ``description`` and the customs ``gmodel`` (which stay as
they are): the partner API accepts and returns them, the public catalog returns
them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shequn.brands.apikeys import create_key
from shequn.catalog.models import SKU, Product
from tests.builders import make_product, make_sku
from tests.builders.people import make_operator
from tests.builders.products import approved_product, brand_side, sku_data

pytestmark = pytest.mark.django_db
BASE = "/api/v1/partner/catalog"


def _auth(org) -> dict:
    _row, key = create_key(org, ["catalog"])
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _send(c: Client, method: str, url: str, body: dict, auth: dict):
    return getattr(c, method)(url, data=json.dumps(body), content_type="application/json",
                              **auth)


def test_partner_api_accepts_and_returns_the_english_text() -> None:
    side = brand_side()
    auth, c = _auth(side.brand), Client()
    body = {"name": "接口商品", "description": "中文介绍", "description_en": "In English",
            "origin_country": "116", "seller": side.seller.code,
            "skus": [sku_data(label_en="30 ml bottle")]}
    resp = _send(c, "post", f"{BASE}/products", body, auth)
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert (data["description"], data["description_en"]) == ("中文介绍", "In English")
    assert data["skus"][0]["label_en"] == "30 ml bottle"
    assert data["skus"][0]["gmodel"] == "测试品牌|精华液|30ml"
    got = c.get(f"{BASE}/products/{data['id']}", **auth).json()
    assert got["description_en"] == "In English"


def test_partner_api_edits_the_english_text_without_review() -> None:
    side = brand_side()
    product = approved_product(side, make_operator())
    sku = product.skus.get()
    auth, c = _auth(side.brand), Client()
    resp = _send(c, "patch", f"{BASE}/products/{product.pk}", {"description_en": "New"}, auth)
    assert resp.status_code == 200, resp.content
    assert resp.json()["product"]["description_en"] == "New"
    assert resp.json()["change_request"] is None
    resp = _send(c, "patch", f"{BASE}/skus/{sku.pk}", {"label_en": "Bottle"}, auth)
    assert resp.status_code == 200, resp.content
    assert resp.json()["sku"]["label_en"] == "Bottle"
    assert resp.json()["change_request"] is None
    assert Product.objects.get(pk=product.pk).description_en == "New"
    assert SKU.objects.get(pk=sku.pk).label_en == "Bottle"
    # Leaving the fields out leaves them as they are.
    resp = _send(c, "patch", f"{BASE}/products/{product.pk}", {"name_en": "Renamed"}, auth)
    assert resp.json()["product"]["description_en"] == "New"


def test_partner_api_refuses_a_too_long_label() -> None:
    side = brand_side()
    product = approved_product(side, make_operator())
    resp = _send(Client(), "patch", f"{BASE}/skus/{product.skus.get().pk}",
                 {"label_en": "x" * 101}, _auth(side.brand))
    assert resp.status_code == 422


def test_public_catalog_returns_the_english_text() -> None:
    product = make_product(name="面霜", description="滋润面霜", description_en="A rich cream")
    make_sku(product=product, hs_code="3304990099", label_en="50 ml jar")
    c = Client()
    [item] = c.get("/api/v1/catalog/products").json()
    assert item["skus"][0]["label_en"] == "50 ml jar"
    body = c.get(f"/api/v1/catalog/products/{product.pk}").json()
    assert (body["description"], body["description_en"]) == ("滋润面霜", "A rich cream")
    assert body["skus"][0]["label_en"] == "50 ml jar"
