"""Conversion counts checkouts, not customs orders: one checkout whose basket ships
from two warehouses makes two orders but is one purchase (it showed 200.0 %). The
same on the leader's dashboard, the ops funnels, the exports and the labels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shequn.analytics import exports, funnels
from shequn.analytics.leader_stats import leader_summary
from shequn.core import outbox
from tests.builders import Net, make_buyable, make_buyer, make_warehouse, pay, place_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def split_sale():
    """One visit to a leader's shop, then one checkout of two SKUs stocked in two
    warehouses: two paid customs orders."""
    net = Net()
    leader = net.leader()
    net.visit(leader)
    other = make_buyable(price="50.00", stock=10, warehouse=make_warehouse())
    orders = place_checkout(make_buyer(), (net.sku, 1), (other, 1), shop=leader.shop)
    assert len(orders) == 2 and orders[0].checkout_id == orders[1].checkout_id
    pay(orders[0])
    outbox.drain()
    return net, leader


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_funnels_count_one_checkout(split_sale):
    _, leader = split_sale
    for row in (funnels.funnel_by_leader()[0],
                funnels.totals(funnels.funnel_by_channel(leader=leader.user))):
        assert (row.visits, row.orders, row.checkouts) == (1, 2, 1)
        assert row.conversion == Decimal("1.0000") and row.conversion_pct == "100.0%"
    csv = exports.funnel_csv("leader").splitlines()
    assert csv[0].endswith("订单,结账,货值,转化率")  # headers in the operator's language
    assert csv[1].split(",")[-4:-2] == ["2", "1"] and csv[1].endswith(",1.0000")


def test_leader_dashboard_conversion_per_checkout(split_sale):
    _, leader = split_sale
    today = leader_summary(leader.user)[0]
    assert (today.visits, today.orders, today.checkouts) == (1, 2, 1)
    html = _login(leader.user).get(reverse("leader:home")).content.decode()
    assert 'data-testid="conversion-today">100.0%<' in html
    assert "200.0%" not in html
    assert "转化率（按结账）" in html


def test_ops_funnels_conversion_per_checkout(split_sale):
    net, _ = split_sale
    html = _login(net.operator).get(reverse("ops:fission")).content.decode()
    assert 'data-testid="conversion">100.0%<' in html
    assert "200.0%" not in html
    assert "转化（按结账）" in html
