"""The ledger is append-only, every entry balances, and the balances (and the
withdrawal balance row) are always what the postings say (issue 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.commission import ledger, selectors, services
from shequn.commission.errors import CommissionError
from shequn.commission.models import Account, CommissionLine, Posting, Withdrawal
from shequn.commission.payout import SimulatedPayout
from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.orders.models import OrderLine
from tests.builders import complete, leader_and_shop, paid_order

pytestmark = pytest.mark.django_db


def test_postings_cannot_be_updated_or_deleted(leader, sku, default_plan):
    paid_order(leader[1], sku)
    posting = Posting.objects.first()
    assert posting is not None
    posting.amount = Decimal("999.00")
    for attempt in (posting.save, posting.delete, lambda: Posting.objects.all().delete(),
                    lambda: Posting.objects.filter(pk=posting.pk).update(amount=1)):
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.code == CommissionError.LEDGER_APPEND_ONLY
    # Below the ORM, the database refuses too.
    table = Posting._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET amount = 1 WHERE id = %s", [posting.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table} WHERE id = %s", [posting.pk])
    assert Posting.objects.get(pk=posting.pk).amount != Decimal("999.00")


def test_unbalanced_entry_is_refused(leader):
    with pytest.raises(ValueError):
        ledger.book("test:1", "test", leader[0].pk,
                    [(Account.EXPENSE, Decimal("1.00")), (Account.PENDING, Decimal("-0.99"))])
    assert not Posting.objects.filter(entry="test:1").exists()


def test_same_entry_key_cannot_be_booked_twice(leader):
    legs = [(Account.EXPENSE, Decimal("1.00")), (Account.PENDING, Decimal("-1.00"))]
    assert ledger.book("test:2", "test", leader[0].pk, legs)
    assert not ledger.book("test:2", "test", leader[0].pk, legs)
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.create(entry="test:2", seq=1, kind="x", account=Account.EXPENSE,
                               leader=leader[0], amount=0, at=Posting.objects.first().at)


def _emit(topic, order, **payload):
    with transaction.atomic():
        outbox.emit(topic, "order", order.pk, number=order.number, **payload)
    outbox.drain()


OPS = st.sampled_from(["settle", "refund", "return", "request", "approve", "reject",
                       "pay", "fail"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(OPS, st.integers(0, 5),
                                st.decimals(min_value=Decimal("-5"), max_value=Decimal("80"),
                                            places=2)),
                      min_size=1, max_size=12))
def test_balances_always_equal_the_postings(steps, hyp_world, operator):
    leaders, orders = hyp_world
    for op, i, amount in steps:
        order = orders[i % len(orders)]
        user = leaders[i % len(leaders)]
        try:
            if op == "settle":
                complete(order)
                services.settle_due()
            elif op == "refund":
                _emit("order.refunded", order, from_state="completed")
            elif op == "return":
                ol = OrderLine.objects.filter(order=order).first()
                _emit("order.returned", order, return_id=f"R{i}-{amount}",
                      lines=[{"line_id": ol.pk, "qty": 1, "goods_refund": str(abs(amount))}])
            elif op == "request":
                services.request_withdrawal(user, str(amount))
            else:
                w = (Withdrawal.objects.filter(leader=user).exclude(
                    state__in=["paid", "failed", "rejected"]).order_by("requested_at").first())
                if w is None:
                    continue
                if op == "approve":
                    services.approve_withdrawal(operator, w.pk)
                elif op == "reject":
                    services.reject_withdrawal(operator, w.pk, "随机驳回")
                elif op == "fail":
                    SimulatedPayout.fail(str(w.pk), "随机失败")
                    services.payout_withdrawal(w.pk)
                else:
                    services.payout_withdrawal(w.pk)
        except DomainError:
            pass
        for u in leaders:
            acc = selectors.account_balances(u.pk)
            assert selectors.balance_row(u) == acc[Account.AVAILABLE]
            pending = sum((c.amount - c.reversed_amount for c in
                           CommissionLine.objects.filter(leader=u, state="pending")),
                          Decimal("0"))
            assert acc[Account.PENDING] == pending
            held = sum((w.amount for w in Withdrawal.objects.filter(
                leader=u, state__in=["requested", "approved"])), Decimal("0"))
            assert selectors.balances(u).frozen == held
        assert selectors.unbalanced_entries() == []
        assert sum((p.amount for p in Posting.objects.all()), Decimal("0")) == 0


@pytest.fixture
def hyp_world(sku, default_plan):
    leaders = [leader_and_shop()[0] for _ in range(2)]
    from shequn.shops.models import Shop

    orders = []
    for n in range(6):
        user = leaders[n % 2]
        orders.append(paid_order(Shop.objects.get(owner=user), sku, qty=1 + n % 3))
    return leaders, orders
