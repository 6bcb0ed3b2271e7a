"""Share → visit → order funnels per leader, product and channel, and the leader
dashboard numbers (visits, orders, GMV, commission for today / 7 / 30 days)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequn.analytics import funnels, leader_stats
from shequn.commission.models import CommissionLine
from shequn.core import clock
from shequn.orders.models import Order
from shequn.shops.models import ShareVisit
from tests.builders import Net, complete, make_buyer, place_order_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def net() -> Net:
    return Net()


def test_funnel_by_leader_counts_shares_visits_and_paid_orders(net: Net):
    a, b = net.leader(real_name="甲团长"), net.leader(real_name="乙团长")
    la = net.listing(a)
    net.visit(a, la, "link", session="s1")
    net.visit(a, la, "link", session="s1")
    net.visit(a, la, "poster", session="s2")
    ShareVisit.objects.create(valid=False, reason="bad_signature")  # never counted
    o1 = net.sale(a, la)
    net.sale(a, la, qty=2)
    place_order_for(make_buyer(), net.sku, shop=a.shop, listing=la)  # unpaid: not a sale
    net.visit(b, None, "code", session="s9")

    rows = {r.key: r for r in funnels.funnel_by_leader()}
    ra, rb = rows[str(a.user_id)], rows[str(b.user_id)]
    assert (ra.visits, ra.visitors, ra.orders) == (3, 2, 2)
    # Two link tokens signed within the same second are the same token: 2 or 3 shares.
    assert 2 <= ra.shares <= 3
    assert ra.goods_value == sum(o.goods_value - o.discount for o in
                                 Order.objects.filter(leader=a.user, state="paid"))
    assert ra.conversion == (Decimal(2) / Decimal(3)).quantize(Decimal("0.0001"))
    assert (rb.visits, rb.orders, rb.conversion) == (1, 0, Decimal("0.0000"))
    assert o1.leader_id == a.user_id


def test_refunded_orders_leave_the_funnel(net: Net):
    a = net.leader()
    order = net.sale(a)
    assert funnels.funnel_by_leader()[0].orders == 1
    Order.objects.filter(pk=order.pk).update(state=Order.State.REFUNDED)
    assert funnels.funnel_by_leader() == []


def test_funnel_by_channel_keeps_every_channel(net: Net):
    a = net.leader()
    net.visit(a, None, "poster")
    net.visit(a, None, "poster")
    net.sale(a, channel="poster")
    net.visit(a, None, "link")
    rows = {r.key: r for r in funnels.funnel_by_channel()}
    assert set(rows) == {"link", "poster", "code"}
    assert (rows["poster"].visits, rows["poster"].orders) == (2, 1)
    assert (rows["link"].visits, rows["link"].orders) == (1, 0)
    assert (rows["code"].visits, rows["code"].orders, rows["code"].conversion) == (0, 0, None)
    total = funnels.totals(list(rows.values()))
    assert (total.visits, total.orders) == (3, 1)


def test_funnel_by_product_uses_product_links_and_lines(net: Net):
    a = net.leader()
    la = net.listing(a)
    net.visit(a, la)
    net.visit(a, None)  # a shop link has no product
    order = net.sale(a, la, qty=3)
    rows = funnels.funnel_by_product()
    assert len(rows) == 1
    row = rows[0]
    assert row.key == str(net.sku.product_id) and row.label == net.sku.product.name
    assert (row.visits, row.orders) == (1, 1)
    assert row.goods_value == sum(line.goods_value for line in order.lines.all())


def test_windows_filter_by_time(net: Net):
    a = net.leader()
    net.visit(a)
    net.sale(a)
    clock.advance(dt.timedelta(days=10))
    since = clock.now() - dt.timedelta(days=1)
    assert funnels.funnel_by_leader(since) == []
    net.visit(a)
    rows = funnels.funnel_by_leader(since)
    assert (rows[0].visits, rows[0].orders) == (1, 0)


def test_funnels_are_a_fixed_number_of_queries(net: Net):
    leaders = [net.leader() for _ in range(2)]
    for p in leaders:
        net.visit(p)
        net.sale(p)
    with CaptureQueriesContext(connection) as few:
        funnels.funnel_by_leader()
    for _ in range(3):
        p = net.leader()
        net.visit(p)
        net.sale(p)
    with CaptureQueriesContext(connection) as more:
        assert len(funnels.funnel_by_leader()) == 5
    assert len(more.captured_queries) == len(few.captured_queries) <= 3


def test_leader_summary_and_series(net: Net):
    a = net.leader()
    net.visit(a)
    net.visit(a)
    old = net.sale(a)
    clock.advance(dt.timedelta(days=3))
    net.visit(a)
    new = net.sale(a, qty=2)
    summary = {p.period.key: p for p in leader_stats.leader_summary(a.user)}
    assert (summary["today"].visits, summary["today"].orders) == (1, 1)
    assert (summary["d7"].visits, summary["d7"].orders) == (3, 2)
    assert summary["d30"].gmv == old.actual_paid + new.actual_paid
    assert summary["today"].conversion_pct == "100.0%"
    lines = {line.order_id: line for line in CommissionLine.objects.filter(leader=a.user)}
    assert summary["d7"].commission_pending == lines[old.pk].amount + lines[new.pk].amount
    assert summary["today"].commission_pending == lines[new.pk].amount
    assert summary["d7"].commission_settled == 0

    complete(old)
    from shequn.commission import services

    services.settle_due()
    summary = {p.period.key: p for p in leader_stats.leader_summary(a.user)}
    assert summary["d7"].commission_settled == lines[old.pk].amount
    assert summary["d7"].commission_pending == lines[new.pk].amount

    series = leader_stats.daily_series(a.user, days=30)
    assert len(series["days"]) == 30 and series["days"][-1] == clock.now().astimezone(
        dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    assert sum(series["visits"]) == 3 and sum(series["orders"]) == 2
    assert series["orders"][-1] == 1 and series["orders"][-4] == 1
    assert Decimal(series["gmv"][-1]) == new.actual_paid


def test_other_leaders_do_not_leak_into_a_summary(net: Net):
    a, b = net.leader(), net.leader()
    net.visit(b)
    net.sale(b)
    summary = leader_stats.leader_summary(a.user)
    assert all(p.visits == 0 and p.orders == 0 and p.commission_pending == 0 for p in summary)
