"""Concurrent withdrawal requests cannot overdraw (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from shequn.commission import selectors, services
from shequn.commission.errors import CommissionError
from shequn.commission.models import Withdrawal
from shequn.core.errors import DomainError
from tests.builders import complete, paid_order

THREADS = 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_cannot_overdraw(leader, sku, default_plan):
    user, shop = leader
    for _ in range(2):
        complete(paid_order(shop, sku, qty=2))  # 2 × 59.60
    services.settle_due()
    available = selectors.balances(user).available
    assert available == Decimal("119.20")
    amount = Decimal("25.00")  # 4 fit (100.00), 8 must be refused
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def withdraw() -> None:
        try:
            barrier.wait(timeout=10)
            services.request_withdrawal(user, str(amount))
            result = "ok"
        except DomainError as exc:
            result = exc.code
        except Exception as exc:  # surfaced in the assertion below
            result = f"error {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=withdraw) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == sorted(["ok"] * 4 + [CommissionError.INSUFFICIENT_BALANCE] * 8)
    assert Withdrawal.objects.filter(leader=user).count() == 4
    b = selectors.balances(user)
    assert b.available == available - 4 * amount >= 0
    assert b.frozen == 4 * amount
    assert selectors.balance_row(user) == b.available
    assert selectors.unbalanced_entries() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_settlement_runs_settle_each_line_once(leader, sku, default_plan):
    user, shop = leader
    orders = [paid_order(shop, sku) for _ in range(5)]
    for order in orders:
        complete(order)
    barrier = threading.Barrier(4)
    errors: list[str] = []

    def settle() -> None:
        try:
            barrier.wait(timeout=10)
            services.settle_due()
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=settle) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert selectors.balances(user).available == Decimal("29.80") * 5
    assert selectors.balance_row(user) == Decimal("29.80") * 5
    assert selectors.unbalanced_entries() == []
