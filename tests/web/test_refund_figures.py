"""Refunds show on every page and in every figure: the buyer's order page (state,
return button), the ops dashboard (GMV, refunded and partly refunded counts) and the
leader's dashboard (attributed GMV, per-period GMV, daily series, funnel goods value,
customers' spending). GMV is paid less refunded; an order refunded in full is gone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shequn.analytics import funnels, network
from shequn.analytics.leader_stats import daily_series, leader_summary
from shequn.distribution import binding
from shequn.orders.models import Order
from tests.builders import Net, deliver, make_buyer, refunded_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def net() -> Net:
    return Net()


@pytest.fixture
def sales(net: Net):
    """Three delivered sales of one leader (2 units each at 200.00): one kept, one
    partly returned (1 unit), one returned in full (2 units in two returns)."""
    leader = net.leader()
    buyers = [make_buyer() for _ in range(3)]
    for buyer in buyers:  # bound customers, for the customers page
        binding.touch(buyer=buyer, leader=leader.user, channel="link")
    kept, partial, full = (deliver(net.sale(leader, qty=2, buyer=b), net.operator)
                           for b in buyers)
    part = refunded_return(partial, net.operator, qty=1)
    refunded_return(full, net.operator, qty=1)
    refunded_return(full, net.operator, qty=1)
    assert (partial.state, full.state) == (Order.State.DELIVERED, Order.State.REFUNDED)
    expected = kept.actual_paid + partial.actual_paid - part.amount
    return leader, kept, partial, full, expected


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_buyer_page_of_a_fully_refunded_order(sales):
    *_, full, _ = sales
    html = _login(full.user).get(f"/orders/{full.number}/").content.decode()
    assert 'data-testid="order-state">已退款<' in html
    assert 'id="request-return"' not in html
    assert "已签收</p>" not in html


def test_buyer_page_of_a_partly_refunded_order(sales):
    _, _, partial, _, _ = sales
    html = _login(partial.user).get(f"/orders/{partial.number}/").content.decode()
    assert 'data-testid="order-state">已签收<' in html
    assert 'data-testid="refund-partial"' in html
    assert f"¥{partial.refunded_total:,.2f}" in html
    assert 'id="request-return"' in html  # one unit is still the buyer's


def test_ops_dashboard_gmv_and_refund_counts(sales, net: Net):
    *_, expected = sales
    resp = _login(net.operator).get(reverse("ops:dashboard"))
    html = resp.content.decode()
    assert resp.context["gmv"] == resp.context["gmv_today"] == expected
    assert f'data-testid="gmv">¥{expected:,.2f}<' in html
    counts = {row["state"]: row["all"] for row in resp.context["counts"]}
    assert counts[Order.State.REFUNDED] == 1
    assert counts[Order.State.DELIVERED] == 2
    assert resp.context["refunds"] == {"full": 1, "partial": 1}
    assert 'data-testid="refunds-partial">部分退款订单：1<' in html


def test_leader_dashboard_gmv(sales):
    leader, *_, expected = sales
    resp = _login(leader.user).get(reverse("leader:home"))
    assert resp.context["stats"]["orders"] == 2
    assert resp.context["stats"]["gmv"] == expected
    assert f'data-testid="attributed-gmv">¥{expected:,.2f}<' in resp.content.decode()
    assert [p.gmv for p in leader_summary(leader.user)] == [expected] * 3
    assert [p.orders for p in leader_summary(leader.user)] == [2] * 3
    series = daily_series(leader.user, days=1)
    assert series["gmv"] == [f"{expected:.2f}"] and series["orders"] == [2]


def test_funnel_goods_value_less_refunded_goods(sales):
    leader, kept, partial, _, _ = sales
    kept_goods = (kept.goods_value - kept.discount
                  + partial.goods_value - partial.discount - Decimal("200.00"))
    for row in (*funnels.funnel_by_leader(), *funnels.funnel_by_product(leader=leader.user),
                funnels.totals(funnels.funnel_by_channel(leader=leader.user))):
        assert (row.orders, row.goods_value) == (2, kept_goods), row


def test_customers_spending_less_refunds(sales, net: Net):
    leader, kept, partial, full, expected = sales
    rows = {r.last_order_number: r for r in network.customers_of(leader)}
    assert rows[kept.number].spent == kept.actual_paid
    assert rows[partial.number].spent == partial.actual_paid - partial.refunded_total
    assert rows[full.number].spent == Decimal("0.00") and rows[full.number].orders == 0
