"""Who may use the commission API: a terminated leader, whose LEADER role is gone
but whose money is not, still reads balances and withdraws; a plain buyer is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.commission import selectors
from shequn.commission.models import CommissionLine, Withdrawal
from shequn.distribution import applications
from tests.builders import Net, complete, leader_and_shop, make_buyer, paid_order

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commission"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_terminated_leader_reads_balances_and_withdraws():
    from shequn.commission import services

    net = Net()
    a = net.leader()
    complete(net.sale(a, qty=2))  # 2 × 200 × 10 % = 40.00
    services.settle_due()
    applications.terminate(a.pk, net.operator, "合同到期")
    c = _client(a.user)
    assert c.get(f"{BASE}/me").json()["available"] == "40.00"
    assert len(c.get(f"{BASE}/me/lines").json()) == 1
    resp = c.post(f"{BASE}/me/withdrawals", {"amount": "20.00"},
                  content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert resp.status_code == 201, resp.content
    assert Withdrawal.objects.get(leader=a.user).amount == 20
    assert selectors.balances(a.user).available == 20
    assert len(c.get(f"{BASE}/me/withdrawals").json()) == 1


def test_role_revoked_without_profile_but_with_postings_still_reads(sku, default_plan):
    from shequn.accounts import roles
    from shequn.commission import services

    user, shop = leader_and_shop()
    complete(paid_order(shop, sku))
    services.settle_due()
    roles.revoke(user, roles.LEADER)
    earned = CommissionLine.objects.get(leader=user).amount
    assert _client(user).get(f"{BASE}/me").json()["available"] == f"{earned:.2f}"


def test_plain_buyer_without_profile_or_postings_is_refused(db):
    c = _client(make_buyer())
    for resp in (c.get(f"{BASE}/me"), c.get(f"{BASE}/me/lines"),
                 c.post(f"{BASE}/me/withdrawals", {"amount": "20.00"},
                        content_type="application/json")):
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    assert not Withdrawal.objects.exists()
