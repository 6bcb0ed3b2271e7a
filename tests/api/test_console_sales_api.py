"""Partner sales API: bounded by the key's organization; a platform key sees
all; no buyer data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tests.builders import leader_and_shop, make_user, paid_order
from tests.builders.console import brand_sku, key_for, make_brand

pytestmark = pytest.mark.django_db


def _get(url: str, key: str) -> tuple[int, object]:
    resp = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
    return resp.status_code, resp.json()


def test_sales_bounded_by_key_organization() -> None:
    a, b = make_brand(), make_brand()
    sku = brand_sku(a.org, price="80.00")
    _leader, shop = leader_and_shop(user=make_user(display_name="阿青"))
    order = paid_order(shop, sku, qty=3)
    status, days = _get("/api/v1/partner/sales/daily", a.key("sales"))
    assert status == 200 and sum(d["units"] for d in days) == 3
    assert sum(Decimal(d["gmv"]) for d in days) == Decimal("240.00")
    status, lines = _get("/api/v1/partner/sales/lines", a.key("sales"))
    assert status == 200 and [(x["order"], x["qty"], x["leader"]) for x in lines] == [
        (order.number, 3, "阿青")]
    assert order.buyer_name not in str(lines) and "buyer" not in str(lines[0].keys())
    status, one = _get(f"/api/v1/partner/sales/orders/{order.number}", a.key("sales"))
    assert status == 200 and one[0]["sku"] == sku.code

    status, days_b = _get("/api/v1/partner/sales/daily", b.key("sales"))
    assert status == 200 and sum(d["units"] for d in days_b) == 0
    assert _get("/api/v1/partner/sales/lines", b.key("sales"))[1] == []
    status, body = _get(f"/api/v1/partner/sales/orders/{order.number}", b.key("sales"))
    assert status == 404 and body["code"] == "foreign_object"

    _row, platform = key_for(None, "sales")
    status, lines_p = _get("/api/v1/partner/sales/lines", platform)
    assert status == 200 and order.number in {x["order"] for x in lines_p}


def test_bad_date_range_is_422() -> None:
    a = make_brand()
    status, body = _get("/api/v1/partner/sales/daily?date_from=2026-03-01&date_to=2026-02-01",
                        a.key("sales"))
    assert status == 422 and body["code"] == "invalid_input"
    status, _ = _get("/api/v1/partner/sales/daily?date_from=2020-01-01&date_to=2026-01-01",
                     a.key("sales"))
    assert status == 422
