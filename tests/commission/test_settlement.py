"""Settlement: only completed orders, set-based, idempotent (issue 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequn.commission import selectors, services
from shequn.commission.models import CommissionLine, Posting, SettlementRun
from shequn.core import worker
from shequn.orders.models import Order
from tests.builders import complete, leader_and_shop, paid_order

pytestmark = pytest.mark.django_db


def test_pending_until_completed_then_settled_once(leader, sku, default_plan):
    user = leader[0]
    order = paid_order(leader[1], sku, qty=2)
    line = CommissionLine.objects.get(order=order)
    # Delivered but the after-sales window is still open: not completed, not settled.
    Order.objects.filter(pk=order.pk).update(state=Order.State.DELIVERED)
    assert services.settle_due() is None
    line.refresh_from_db()
    assert line.state == "pending"
    assert selectors.balances(user).pending == line.amount
    assert selectors.balances(user).available == 0

    complete(order)
    run = services.settle_due()
    assert run is not None
    line.refresh_from_db()
    assert line.state == "settled" and line.settlement_run_id == run.pk
    assert (run.lines_settled, run.leaders, run.total) == (1, 1, line.amount)
    b = selectors.balances(user)
    assert (b.pending, b.available) == (0, line.amount)
    assert selectors.balance_row(user) == line.amount

    again = services.settle_due(record_empty=True)
    assert again is not None and again.lines_settled == 0 and again.total == 0
    assert Posting.objects.filter(entry=f"settle:{run.pk}:{user.pk}").count() == 2
    assert Posting.objects.filter(kind="settle").count() == 2
    assert selectors.balances(user).available == line.amount
    assert services.settle_due() is None  # the periodic path records no empty runs


def test_settlement_is_a_few_statements_whatever_the_number_of_lines(sku, default_plan):
    leaders = [leader_and_shop() for _ in range(3)]
    orders = [paid_order(shop, sku) for _, shop in leaders for _ in range(2)]
    for order in orders:
        complete(order)
    with CaptureQueriesContext(connection) as ctx:
        run = services.settle_due()
    assert run is not None and run.lines_settled == 6 and run.leaders == 3
    statements = [q for q in ctx.captured_queries
                  if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 7, [q["sql"][:80] for q in statements]
    total = sum((c.amount for c in CommissionLine.objects.all()), Decimal("0"))
    assert run.total == total
    for user, _ in leaders:
        assert selectors.balances(user).available == selectors.balance_row(user)
    assert selectors.unbalanced_entries() == []


def test_settlement_job_is_registered_as_periodic():
    assert services.settle_job in worker._periodic
    assert services.payout_job in worker._periodic


def test_worker_run_once_settles(leader, sku, default_plan):
    order = paid_order(leader[1], sku)
    complete(order)
    worker.run_once()
    assert CommissionLine.objects.get(order=order).state == "settled"
    assert SettlementRun.objects.count() == 1
