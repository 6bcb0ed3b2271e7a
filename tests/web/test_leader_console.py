"""Leader console: dashboard with charts data, product commission, share posters,
bound customers (masked), team tree with lazy expansion, earnings and withdrawals.
A leader only ever sees their own customers, team and money."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from shequn.commission import selectors as money
from shequn.commission import services as commission
from shequn.commission.models import CommissionLine, Withdrawal
from shequn.distribution import binding
from shequn.distribution.models import LeaderProfile
from tests.builders import Net, complete, make_buyer

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def net() -> Net:
    return Net()


def client_for(profile: LeaderProfile) -> Client:
    c = Client()
    c.force_login(profile.user)
    return c


def settled_leader(net: Net, profile: LeaderProfile, qty: int = 1) -> CommissionLine:
    order = net.sale(profile, qty=qty)
    complete(order)
    commission.settle_due()
    return CommissionLine.objects.get(order=order)


# --------------------------------------------------------------------------- dashboard

def test_dashboard_shows_periods_commission_and_chart_data(net: Net):
    a = net.leader()
    listing = net.listing(a)
    net.visit(a, listing)
    net.visit(a, listing)
    order = net.sale(a, listing, qty=2)
    line = CommissionLine.objects.get(order=order)
    resp = client_for(a).get(reverse("leader:home"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert re.search(r'data-testid="orders-today">1<', html)
    assert re.search(r'data-testid="visits-d7">2<', html)
    assert f'data-testid="pending-d30">¥{line.amount:,.2f}<' in html
    assert "50.0%" in html  # 1 order / 2 visits
    trend = json.loads(re.search(r'<script id="leader-trend" type="application/json">(.*?)'
                                 r'</script>', html, re.S).group(1))
    visits, orders = trend["series"]
    assert len(trend["categories"]) == 30 and orders["data"][-1] == 1 and visits["data"][-1] == 2
    # Equal values must not hide one line under the other: each is drawn its own way.
    style = ("symbol", "size", "width", "dashed", "area")
    assert [visits[k] for k in style] != [orders[k] for k in style]
    assert visits["symbol"] != orders["symbol"] and visits["dashed"] != orders["dashed"]
    gmv = json.loads(re.search(r'<script id="leader-gmv" type="application/json">(.*?)'
                               r'</script>', html, re.S).group(1))
    assert trend["title"] and gmv["title"] and gmv["unit"]  # the second chart says what it is
    # Drawn by the one chart module every console uses, not an inline script.
    assert "js/charts.js" in html and 'data-chart="leader-trend"' in html
    assert "vendor/echarts.min.js" in html and "leader.css" in html
    assert not re.search(r'src="https?://', html)


def test_products_show_the_commission_each_earns_and_posters(net: Net):
    a = net.leader()
    listing = net.listing(a)
    html = client_for(a).get(reverse("leader:products")).content.decode()
    assert "10%" in html
    assert "¥20.00" in html  # 10 % of the seller's 200.00
    assert reverse("leader:poster_product", args=[listing.pk]) in html


def test_share_page_links_posters(net: Net):
    a = net.leader()
    listing = net.listing(a)
    html = client_for(a).get(reverse("leader:share")).content.decode()
    assert reverse("leader:poster_product", args=[listing.pk]) in html
    assert reverse("leader:poster_shop") in html
    assert reverse("leader:poster_invite") in html and a.invite_code in html
    assert html.count("<svg") == 2  # the shop and one listing


# --------------------------------------------------------------------------- customers

def test_customers_are_masked_and_only_mine(net: Net):
    a, b = net.leader(), net.leader()
    mine = make_buyer()
    mine.display_name, mine.phone_masked = "赵大海", "138****1234"
    mine.save()
    theirs = make_buyer()
    theirs.display_name = "钱多多"
    theirs.save()
    binding.touch(buyer=mine, leader=a.user, channel="poster")
    binding.touch(buyer=theirs, leader=b.user, channel="link")
    order = net.sale(a, buyer=mine)

    html = client_for(a).get(reverse("leader:customers")).content.decode()
    assert "赵**" in html and "赵大海" not in html
    assert order.number in html and "poster" in html
    assert "钱**" not in html and "钱多多" not in html
    other = client_for(b).get(reverse("leader:customers")).content.decode()
    assert "钱**" in other and "赵**" not in other and order.number not in other


# --------------------------------------------------------------------------- team

def test_team_tree_with_lazy_children_and_no_money_note(net: Net):
    a = net.leader(real_name="甲团长")
    child = net.leader(inviter=a, real_name="乙团长")
    grandchild = net.leader(inviter=child, real_name="丙团长")
    net.sale(grandchild)  # the grandchild's own activity
    c = client_for(a)
    html = c.get(reverse("leader:team")).content.decode()
    assert "不会从团队成员的销售中获得任何佣金" in html
    english = c.get(reverse("leader:team"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "you earn no commission on your team members' sales" in english
    assert re.search(r'data-testid="team-size">2<', html)
    assert re.search(r'data-testid="team-depth">2<', html)
    assert "乙**" in html and "丙**" not in html  # grandchildren load on demand
    url = reverse("leader:team_children", args=[child.pk])
    assert f'hx-get="{url}"' in html
    part = c.get(url, **HX)
    assert part.status_code == 200
    text = part.content.decode()
    assert "丙**" in text and re.search(r'data-testid="orders-30d">1<', text)
    # Another leader cannot open nodes of a's team.
    stranger = net.leader()
    assert client_for(stranger).get(url, **HX).status_code == 404
    # Nor can a child look upwards.
    up = reverse("leader:team_children", args=[a.pk])
    assert client_for(child).get(up, **HX).status_code == 404


# --------------------------------------------------------------------------- earnings

def test_earnings_balances_lines_and_a_withdrawal(net: Net):
    a = net.leader()
    line = settled_leader(net, a, qty=2)  # 2 × 200 × 10 % = 40.00
    c = client_for(a)
    html = c.get(reverse("leader:earnings")).content.decode()
    assert f'data-testid="balance-available">¥{line.amount:,.2f}<' in html
    assert line.order.number in html and "已结算" in html

    resp = c.post(reverse("leader:withdraw"), {"amount": "15.50"}, **HX)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "等待审核" in body and 'hx-swap-oob="true"' in body
    w = Withdrawal.objects.get(leader=a.user)
    assert w.amount == money.balances(a.user).frozen
    assert money.balances(a.user).available == line.amount - w.amount


@pytest.mark.parametrize(("amount", "code", "status"), [
    ("abc", "bad_amount", 422), ("-5", "bad_amount", 422), ("1.234", "bad_amount", 422),
    ("5", "below_minimum", 422), ("9999", "insufficient_balance", 409)])
def test_bad_withdrawals_show_inline_and_change_nothing(net: Net, amount, code, status):
    a = net.leader()
    line = settled_leader(net, a)
    c = client_for(a)
    resp = c.post(reverse("leader:withdraw"), {"amount": amount}, **HX)
    assert resp.status_code == status
    body = resp.content.decode()
    assert f'data-code="{code}"' in body and f'value="{amount}"' in body
    assert not Withdrawal.objects.exists()
    assert money.balances(a.user).available == line.amount


def test_a_leader_never_sees_another_leaders_earnings(net: Net):
    a, b = net.leader(), net.leader()
    line = settled_leader(net, a)
    commission.request_withdrawal(a.user, "10.00")
    html = client_for(b).get(reverse("leader:earnings")).content.decode()
    assert line.order.number not in html
    assert 'data-testid="balance-available">¥0.00<' in html
    assert "暂无提现" in html
    # Withdrawing from b's empty balance is refused; a's money is untouched.
    resp = client_for(b).post(reverse("leader:withdraw"), {"amount": "10.00"}, **HX)
    assert resp.status_code == 409
    assert money.balances(a.user).frozen == 10


def test_a_buyer_cannot_open_any_leader_page(net: Net):
    a = net.leader()
    c = Client()
    c.force_login(make_buyer())
    for name in ("leader:customers", "leader:team", "leader:earnings", "leader:poster_shop"):
        assert c.get(reverse(name)).status_code == 403, name
    assert c.post(reverse("leader:withdraw"), {"amount": "10"}).status_code == 403
    assert c.get(reverse("leader:team_children", args=[a.pk])).status_code == 403
