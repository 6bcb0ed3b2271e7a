"""The commission API: own data only, operators decide (issue 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from shequn.commission import selectors, services
from shequn.commission.models import Withdrawal
from tests.builders import complete, leader_and_shop, paid_order

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commission"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def earner(leader, sku, default_plan):
    user, shop = leader
    complete(paid_order(shop, sku, qty=2))
    paid_order(shop, sku)  # stays pending
    services.settle_due()
    return user


def test_me_shows_own_balances_and_lines(earner):
    c = _client(earner)
    body = c.get(f"{BASE}/me").json()
    assert body == {"pending": "29.80", "available": "59.60", "frozen": "0.00",
                    "paid": "0.00"}
    lines = c.get(f"{BASE}/me/lines").json()
    assert len(lines) == 2
    assert {ln["state"] for ln in lines} == {"pending", "settled"}
    assert all("*" in ln["buyer"] for ln in lines)  # masked
    assert len(c.get(f"{BASE}/me/lines?state=settled").json()) == 1


def test_other_leader_sees_only_their_own(earner):
    other, _ = leader_and_shop()
    c = _client(other)
    assert c.get(f"{BASE}/me").json()["available"] == "0.00"
    assert c.get(f"{BASE}/me/lines").json() == []


def test_non_leader_and_anonymous_are_refused(earner):
    from tests.builders import make_buyer

    assert Client().get(f"{BASE}/me").status_code == 401
    resp = _client(make_buyer()).get(f"{BASE}/me/lines")
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"


def test_withdraw_then_operator_approves_and_pays(earner, operator):
    c = _client(earner)
    resp = c.post(f"{BASE}/me/withdrawals", {"amount": "50.00"},
                  content_type="application/json")
    assert resp.status_code == 201, resp.json()
    wid = resp.json()["id"]
    # The leader cannot use the operator routes.
    assert c.post(f"{BASE}/withdrawals/{wid}/approve").status_code == 403
    assert c.get(f"{BASE}/withdrawals").status_code == 403
    ops = _client(operator)
    listed = ops.get(f"{BASE}/withdrawals?state=requested").json()
    assert [w["id"] for w in listed] == [wid]
    done = ops.post(f"{BASE}/withdrawals/{wid}/approve")
    assert done.status_code == 200 and done.json()["state"] == "paid"
    assert c.get(f"{BASE}/me").json()["paid"] == "50.00"
    again = ops.post(f"{BASE}/withdrawals/{wid}/approve")
    assert again.status_code == 409 and again.json()["code"] == "withdrawal_state"


@pytest.mark.parametrize(("amount", "status", "code"), [
    ("-1", 422, "bad_amount"), ("0", 422, "bad_amount"), ("abc", 422, "bad_amount"),
    ("5.00", 422, "below_minimum"), ("60.00", 409, "insufficient_balance")])
def test_bad_withdrawal_amounts(earner, amount, status, code):
    c = _client(earner)
    resp = c.post(f"{BASE}/me/withdrawals", {"amount": amount},
                  content_type="application/json")
    assert resp.status_code == status and resp.json()["code"] == code
    assert resp.json()["message"] and resp.json()["message_en"]
    assert not Withdrawal.objects.exists()
    assert selectors.balances(earner).available == Decimal("59.60")


def test_reject_with_reason_over_api(earner, operator):
    w = services.request_withdrawal(earner, "20.00")
    ops = _client(operator)
    no_reason = ops.post(f"{BASE}/withdrawals/{w.pk}/reject", {"reason": ""},
                         content_type="application/json")
    assert no_reason.status_code == 422
    ok = ops.post(f"{BASE}/withdrawals/{w.pk}/reject", {"reason": "信息不符"},
                  content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "rejected"
    assert ops.post(f"{BASE}/withdrawals/not-a-uuid/approve").status_code == 404


def test_idempotency_key_header(earner):
    c = _client(earner)
    first = c.post(f"{BASE}/me/withdrawals", {"amount": "20.00"},
                   content_type="application/json", headers={"Idempotency-Key": "abc"})
    second = c.post(f"{BASE}/me/withdrawals", {"amount": "20.00"},
                    content_type="application/json", headers={"Idempotency-Key": "abc"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Withdrawal.objects.count() == 1


def test_approval_stands_when_the_provider_is_unreachable(earner, operator, monkeypatch):
    from shequn.commission.payout import SimulatedPayout

    def down(self, request_id, leader_id, amount):
        raise ConnectionError("provider unreachable")

    w = services.request_withdrawal(earner, "20.00")
    monkeypatch.setattr(SimulatedPayout, "pay", down)
    resp = _client(operator).post(f"{BASE}/withdrawals/{w.pk}/approve")
    assert resp.status_code == 200 and resp.json()["state"] == "approved"
    monkeypatch.undo()
    assert services.payout_job() == 1
    w.refresh_from_db()
    assert w.state == "paid"
