"""The brand console's home: a paid order of brand A's product is in A's GMV,
orders, units, top products and leaders, never in B's; stock health and grant
status are A's own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequn.analytics import brand as figures
from shequn.brands.models import Grant
from shequn.core import clock
from tests.builders import leader_and_shop, make_user, paid_order
from tests.builders.console import brand_sku, make_brand

pytestmark = pytest.mark.django_db


def test_paid_order_of_brand_a_counts_for_a_not_b() -> None:
    a, b = make_brand("甲品牌"), make_brand("乙品牌")
    sku_a = brand_sku(a.org, stock=40, price="120.00")
    brand_sku(b.org, stock=10)
    leader, shop = leader_and_shop(user=make_user(display_name="小林的店主"))
    order = paid_order(shop, sku_a, qty=2)
    line_total = order.lines.get().total_price
    assert line_total == Decimal("240.00")

    rows_a = figures.daily(a.org)
    tot_a, tot_b = figures.totals(rows_a), figures.totals(figures.daily(b.org))
    assert (tot_a["gmv"], tot_a["orders"], tot_a["units"]) == (line_total, 1, 2)
    assert (tot_b["gmv"], tot_b["orders"], tot_b["units"]) == (Decimal("0.00"), 0, 0)
    assert len(rows_a) == figures.DAYS and rows_a[-1]["units"] == 2
    # the platform (None) sees both
    assert figures.totals(figures.daily(None))["units"] >= 2

    html_a = a.client().get("/brand/").content.decode()
    html_b = b.client().get("/brand/").content.decode()
    assert 'data-testid="brand-units" translate="no">2<' in html_a
    assert 'data-testid="brand-units" translate="no">0<' in html_b
    assert sku_a.product.name in html_a and sku_a.product.name not in html_b
    assert "小林的店主" in html_a and "小林的店主" not in html_b
    assert order.buyer_name not in html_a  # no buyer's personal data
    assert 'data-chart="brand-sales"' in html_a


def test_stock_health_days_of_cover_and_near_expiry() -> None:
    a = make_brand()
    soon = clock.today() + dt.timedelta(days=30)
    sku = brand_sku(a.org, stock=30, expiry=soon)
    _leader, shop = leader_and_shop()
    paid_order(shop, sku, qty=3)
    row = next(r for r in figures.stock_health(a.org) if r["sku_id"] == sku.pk)
    # 27 available, 3 sold in 30 days = 0.1/day → 270 days of cover
    assert row["available"] == 27 and row["sold"] == 3 and row["days_of_cover"] == 270.0
    assert row["near_expiry"] and row["near_expiry"][0]["expiry"] == soon
    other = make_brand()
    assert all(r["sku_id"] != sku.pk for r in figures.stock_health(other.org))


def test_grant_status_counts_own_grants_only() -> None:
    a, b = make_brand(), make_brand()
    importer = make_brand(kind="ebc")
    today = clock.today()
    Grant.objects.create(brand=a.org, grantor=a.org, grantee=importer.org, valid_from=today,
                         valid_to=today + dt.timedelta(days=30), status=Grant.Status.ACTIVE)
    counts = {g["status"]: g["n"] for g in figures.grant_status(a.org)}
    assert counts["active"] == 1
    assert {g["status"]: g["n"] for g in figures.grant_status(importer.org)}["active"] == 1
    assert {g["status"]: g["n"] for g in figures.grant_status(b.org)}["active"] == 0
