"""Withdrawals: bad input, minimum and fee, maker-checker, payout port (issue 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.commission import selectors, services
from shequn.commission.errors import CommissionError
from shequn.commission.models import Posting, Withdrawal
from shequn.commission.payout import PayoutResult, SimulatedPayout
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from tests.builders import complete, leader_and_shop, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def earner(leader, sku, default_plan):
    """A leader with settled commission (10 % of 2 × 298.00 = 59.60)."""
    user, shop = leader
    complete(paid_order(shop, sku, qty=2))
    services.settle_due()
    return user


def _snapshot(user):
    return (selectors.balances(user), selectors.balance_row(user), Posting.objects.count(),
            Withdrawal.objects.count())


@pytest.mark.parametrize(("raw", "code"), [
    ("-5.00", CommissionError.BAD_AMOUNT),
    ("0", CommissionError.BAD_AMOUNT),
    ("0.00", CommissionError.BAD_AMOUNT),
    ("abc", CommissionError.BAD_AMOUNT),
    ("", CommissionError.BAD_AMOUNT),
    ("NaN", CommissionError.BAD_AMOUNT),
    ("Infinity", CommissionError.BAD_AMOUNT),
    ("12.345", CommissionError.BAD_AMOUNT),
    ("1" * 40, CommissionError.BAD_AMOUNT),  # too many digits to quantize: was a 500
    ("1e30", CommissionError.BAD_AMOUNT),
    (12.5, CommissionError.BAD_AMOUNT),  # floats are refused
    (None, CommissionError.BAD_AMOUNT),
    ("9.99", CommissionError.BELOW_MINIMUM),
    ("59.61", CommissionError.INSUFFICIENT_BALANCE),
    ("100000.00", CommissionError.INSUFFICIENT_BALANCE),
])
def test_bad_amounts_are_refused_and_change_nothing(earner, raw, code):
    before = _snapshot(earner)
    with pytest.raises(DomainError) as exc:
        services.request_withdrawal(earner, raw)
    assert exc.value.code == code
    assert _snapshot(earner) == before


def test_leader_without_balance_cannot_withdraw(db):
    user, _ = leader_and_shop()
    with pytest.raises(DomainError) as exc:
        services.request_withdrawal(user, "10.00")
    assert exc.value.code == CommissionError.INSUFFICIENT_BALANCE


def test_request_holds_funds_then_approve_pays(earner, operator):
    w = services.request_withdrawal(earner, "50.00")
    b = selectors.balances(earner)
    assert (b.available, b.frozen) == (Decimal("9.60"), Decimal("50.00"))
    assert selectors.balance_row(earner) == Decimal("9.60")
    services.approve_withdrawal(operator, w.pk)
    w = services.payout_withdrawal(w.pk)
    assert w.state == "paid" and w.payout_ref.startswith("SIMPAY")
    b = selectors.balances(earner)
    assert (b.available, b.frozen, b.paid) == (Decimal("9.60"), 0, Decimal("50.00"))
    assert AuditLog.objects.filter(action="commission.withdrawal_approve",
                                   object_id=str(w.pk), actor=operator).exists()
    # Retrying the payout pays once (idempotent by request id).
    services.payout_withdrawal(w.pk)
    services.record_payout(w.pk, PayoutResult(ok=True, ref="again"))
    assert Posting.objects.filter(withdrawal=w, kind="paid").count() == 2
    assert selectors.unbalanced_entries() == []


def test_fee_from_settings(earner, operator, settings):
    settings.SHEQUN = {**settings.SHEQUN, "COMMISSION_WITHDRAWAL_FEE_RATE": "0.01",
                       "COMMISSION_WITHDRAWAL_FEE_FIXED": "1.00",
                       "COMMISSION_WITHDRAWAL_MIN": "20.00"}
    with pytest.raises(DomainError) as exc:
        services.request_withdrawal(earner, "19.99")
    assert exc.value.code == CommissionError.BELOW_MINIMUM
    w = services.request_withdrawal(earner, "50.00")
    assert (w.fee, w.net) == (Decimal("1.50"), Decimal("48.50"))
    services.approve_withdrawal(operator, w.pk)
    services.payout_withdrawal(w.pk)
    assert selectors.balances(earner).paid == Decimal("48.50")
    assert selectors.account_balances(earner.pk)["fees"] == Decimal("1.50")


def test_operator_cannot_approve_own_withdrawal(earner, operator):
    from shequn.accounts import roles

    roles.grant(earner, roles.OPERATOR)
    w = services.request_withdrawal(earner, "20.00")
    for decide in (lambda: services.approve_withdrawal(earner, w.pk),
                   lambda: services.reject_withdrawal(earner, w.pk, "自己驳回")):
        with pytest.raises(DomainError) as exc:
            decide()
        assert exc.value.code == CommissionError.OWN_WITHDRAWAL
    w.refresh_from_db()
    assert w.state == "requested"
    services.approve_withdrawal(operator, w.pk)  # another operator may


def test_non_operator_cannot_decide(earner):
    other, _ = leader_and_shop()
    w = services.request_withdrawal(earner, "20.00")
    with pytest.raises(DomainError) as exc:
        services.approve_withdrawal(other, w.pk)
    assert exc.value.code == CommissionError.NOT_OPERATOR


def test_reject_needs_reason_and_returns_funds(earner, operator):
    w = services.request_withdrawal(earner, "20.00")
    with pytest.raises(DomainError) as exc:
        services.reject_withdrawal(operator, w.pk, "  ")
    assert exc.value.code == CommissionError.REASON_REQUIRED
    services.reject_withdrawal(operator, w.pk, "账户信息不符")
    w.refresh_from_db()
    assert w.state == "rejected" and w.reason == "账户信息不符"
    assert selectors.balances(earner).available == Decimal("59.60")
    assert selectors.balance_row(earner) == Decimal("59.60")
    assert AuditLog.objects.filter(action="commission.withdrawal_reject").exists()
    with pytest.raises(DomainError) as exc:
        services.approve_withdrawal(operator, w.pk)
    assert exc.value.code == CommissionError.WITHDRAWAL_STATE


def test_failed_payout_returns_funds(earner, operator):
    w = services.request_withdrawal(earner, "30.00")
    services.approve_withdrawal(operator, w.pk)
    SimulatedPayout.fail(str(w.pk), "收款账户异常")
    services.payout_job()
    w.refresh_from_db()
    assert w.state == "failed" and "收款账户异常" in w.failure
    b = selectors.balances(earner)
    assert (b.available, b.frozen, b.paid) == (Decimal("59.60"), 0, 0)
    assert selectors.balance_row(earner) == Decimal("59.60")


def test_unknown_or_malformed_withdrawal_id(operator):
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(DomainError) as exc:
            services.approve_withdrawal(operator, bad)
        assert exc.value.code == CommissionError.WITHDRAWAL_NOT_FOUND


def test_simulator_is_idempotent_by_request_id():
    sim = SimulatedPayout()
    first = sim.pay("req-1", 1, Decimal("10.00"))
    SimulatedPayout.fail("req-1", "too late to change the answer")
    assert sim.pay("req-1", 1, Decimal("10.00")) == first and first.ok


def test_request_key_makes_a_retry_return_the_first_withdrawal(earner):
    first = services.request_withdrawal(earner, "20.00", request_key="k-1")
    again = services.request_withdrawal(earner, "20.00", request_key="k-1")
    assert again.pk == first.pk
    assert selectors.balances(earner).frozen == Decimal("20.00")
    with pytest.raises(DomainError) as exc:
        services.request_withdrawal(earner, "30.00", request_key="k-1")
    assert exc.value.code == CommissionError.REQUEST_KEY_REUSED
    other = services.request_withdrawal(earner, "20.00", request_key="k-2")
    assert other.pk != first.pk
    assert selectors.balance_row(earner) == Decimal("19.60")


def test_frozen_leader_cannot_withdraw_and_earns_nothing_new(earner, sku):
    from shequn.distribution.models import LeaderProfile
    from shequn.shops.models import Shop
    from tests.commission.test_accrual import _profile

    profile = _profile(earner)
    LeaderProfile.objects.filter(pk=profile.pk).update(status="frozen")
    before = _snapshot(earner)
    with pytest.raises(DomainError) as exc:
        services.request_withdrawal(earner, "20.00")
    assert exc.value.code == CommissionError.LEADER_FROZEN
    assert _snapshot(earner) == before
    order = paid_order(Shop.objects.get(owner=earner), sku)
    from shequn.commission.models import CommissionLine

    assert not CommissionLine.objects.filter(order=order).exists()


def test_request_key_with_control_characters_is_cleaned_not_a_500(earner):
    first = services.request_withdrawal(earner, "10.00", request_key="k\x00ey")
    again = services.request_withdrawal(earner, "10.00", request_key="k\x00ey")
    assert first.pk == again.pk and first.request_key == "key"
    assert Withdrawal.objects.filter(leader=earner).count() == 1
