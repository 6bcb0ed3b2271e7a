"""Who reaches the leader's earnings page and may withdraw: a terminated or frozen
leader keeps their earnings page (a frozen one cannot withdraw); a plain buyer is refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from shequn.commission import selectors as money
from shequn.commission import services as commission
from shequn.commission.models import CommissionLine, Withdrawal
from shequn.distribution import applications
from shequn.distribution.models import LeaderProfile
from tests.builders import Net, complete, make_buyer

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
TOKEN = re.compile(r'name="request_key" value="([0-9a-f-]{36})"')


@pytest.fixture
def net() -> Net:
    return Net()


def client_for(profile: LeaderProfile) -> Client:
    c = Client()
    c.force_login(profile.user)
    return c


def settled(net: Net, profile: LeaderProfile, qty: int = 2) -> CommissionLine:
    order = net.sale(profile, qty=qty)
    complete(order)
    commission.settle_due()
    return CommissionLine.objects.get(order=order)


def test_a_terminated_leader_still_sees_earnings_and_withdraws(net: Net):
    a = net.leader()
    line = settled(net, a)
    applications.terminate(a.pk, net.operator, "合同到期")
    c = client_for(a)
    html = c.get(reverse("leader:earnings")).content.decode()
    assert f'data-testid="balance-available">¥{line.amount:,.2f}<' in html
    resp = c.post(reverse("leader:withdraw"), {"amount": "15.00"}, **HX)
    assert resp.status_code == 200
    assert Withdrawal.objects.get(leader=a.user).amount == 15
    # Other console pages stay closed to them.
    assert c.get(reverse("leader:customers")).status_code == 403
    assert c.get(reverse("leader:team")).status_code == 403


def test_a_frozen_then_terminated_leader_still_withdraws(net: Net):
    a = net.leader()
    settled(net, a)
    applications.freeze(a.pk, net.operator, "调查")
    applications.terminate(a.pk, net.operator, "解约")
    c = client_for(a)
    assert c.get(reverse("leader:earnings")).status_code == 200
    assert c.post(reverse("leader:withdraw"), {"amount": "15.00"}, **HX).status_code == 200
    assert Withdrawal.objects.filter(leader=a.user).count() == 1


def test_a_frozen_leader_sees_earnings_but_cannot_withdraw(net: Net):
    a = net.leader()
    line = settled(net, a)
    applications.freeze(a.pk, net.operator, "调查")
    c = client_for(a)
    assert c.get(reverse("leader:earnings")).status_code == 200
    resp = c.post(reverse("leader:withdraw"), {"amount": "15.00"}, **HX)
    assert 'data-code="leader_frozen"' in resp.content.decode()
    assert not Withdrawal.objects.exists()
    assert money.balances(a.user).available == line.amount


def test_a_plain_buyer_is_still_refused(net: Net):
    c = Client()
    c.force_login(make_buyer())
    assert c.get(reverse("leader:earnings")).status_code == 403
    assert c.post(reverse("leader:withdraw"), {"amount": "10"}).status_code == 403


@pytest.mark.parametrize("decision", ["pending", "rejected"])
def test_an_applicant_who_never_became_a_leader_is_refused(net: Net, decision: str):
    """A pending or rejected application is not a leader: the earnings page and
    withdrawals are refused as on every other console page (they reached it)."""
    from tests.builders import make_application, make_operator

    profile = make_application()
    if decision == "rejected":
        applications.reject(profile.pk, make_operator(), "资料不全")
    c = client_for(profile)
    assert c.get(reverse("leader:home")).status_code == 403
    assert c.get(reverse("leader:earnings")).status_code == 403
    assert c.post(reverse("leader:withdraw"), {"amount": "10"}).status_code == 403
    assert c.get("/api/v1/commission/me").status_code == 403
    assert not money.may_access_earnings(profile.user)
