"""Invariant 2 under real concurrency on PostgreSQL: many buyers race for the
last units; exactly the stock is sold, nothing goes negative, nobody deadlocks."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pytest
from django.db import transaction

from shequn.inventory import selectors, services
from shequn.inventory.models import Reservation, Stock, StockMove
from tests.builders import make_sku, make_stock, make_warehouse
from tests.builders.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


def _race(n: int, work: Callable[[int], object]) -> list[tuple[str, object]]:
    """Run ``work(i)`` in ``n`` threads released together; each uses its own connection."""
    return race(n, work)


def _assert_consistent() -> None:
    for stock in Stock.objects.all():
        assert 0 <= stock.reserved <= stock.on_hand
        assert selectors.stock_ledger_balances_ok(stock)


def test_no_oversell_one_unit_each():
    wh, sku = make_warehouse(), make_sku()
    make_stock(wh, sku, 5, expiry=dt.date(2030, 1, 1))
    make_stock(wh, sku, 5, expiry=dt.date(2030, 6, 1))

    def buy(i: int) -> int:
        ref = f"ORD{i:03d}"
        with transaction.atomic():
            services.reserve(warehouse_id=wh.id, lines=[(sku.id, 1)], ref=ref)
        return services.commit(ref)

    results = _race(THREADS, buy)
    kinds = [k for k, _ in results]
    assert "operational_error" not in kinds, [v for k, v in results if k != "ok"]
    assert "error" not in kinds and "none" not in kinds, results
    assert kinds.count("ok") == 10
    assert kinds.count("out_of_stock") == THREADS - 10
    assert sum(v for k, v in results if k == "ok") == 10
    assert [(s.on_hand, s.reserved) for s in Stock.objects.order_by("id")] == [(0, 0), (0, 0)]
    assert Reservation.objects.filter(state="committed").count() == 10
    assert not Reservation.objects.exclude(state="committed").exists()
    assert StockMove.objects.filter(kind="commit").count() == 10
    _assert_consistent()


def test_no_oversell_mixed_quantities_and_two_skus():
    """Orders of 1–3 units of one SKU or of two SKUs listed in either order: the
    global lock order (ascending sku_id, FEFO) must keep them deadlock-free."""
    wh, a, b = make_warehouse(), make_sku(), make_sku()
    make_stock(wh, a, 5, expiry=dt.date(2030, 1, 1))
    make_stock(wh, a, 5, expiry=None)
    make_stock(wh, b, 6, expiry=dt.date(2030, 3, 1))
    rng = random.Random(42)
    plans = []
    for i in range(THREADS):
        lines = [(a.id, rng.randint(1, 3))]
        if i % 2:
            lines.append((b.id, rng.randint(1, 2)))
            if i % 4 == 1:
                lines.reverse()
        plans.append(lines)

    def buy(i: int) -> int:
        ref = f"MIX{i:03d}"
        with transaction.atomic():
            services.reserve(warehouse_id=wh.id, lines=plans[i], ref=ref)
        if i % 3 == 0:  # some buyers never pay
            services.release(ref)
            return 0
        return services.commit(ref)

    results = _race(THREADS, buy)
    kinds = [k for k, _ in results]
    assert "operational_error" not in kinds, [v for k, v in results if k != "ok"]
    assert set(kinds) <= {"ok", "out_of_stock"}, results
    assert kinds.count("ok") >= 1
    sold = {sku.id: 0 for sku in (a, b)}
    for i, (kind, _) in enumerate(results):
        if kind == "ok" and i % 3:
            for sku_id, qty in plans[i]:
                sold[sku_id] += qty
    assert sold[a.id] <= 10 and sold[b.id] <= 6
    for sku, start in ((a, 10), (b, 6)):
        rows = Stock.objects.filter(sku=sku)
        assert sum(s.reserved for s in rows) == 0
        assert sum(s.on_hand for s in rows) == start - sold[sku.id]
    committed = sum(Reservation.objects.filter(state="committed").values_list("qty", flat=True))
    assert committed == sum(sold.values())
    _assert_consistent()


def test_concurrent_commit_and_release_of_one_order_apply_once():
    wh, sku = make_warehouse(), make_sku()
    rounds = 5
    # One unit per round, so a round whose commit wins never starves the next.
    stock = make_stock(wh, sku, rounds)
    for round_ in range(rounds):
        ref = f"R{round_}"
        services.reserve(warehouse_id=wh.id, lines=[(sku.id, 1)], ref=ref)
        ops = [services.commit, services.release] * 4
        results = _race(len(ops), lambda i, ref=ref: ops[i](ref))
        assert all(k == "ok" for k, _ in results), results
        assert sum(v for _, v in results) == 1  # exactly one call moved the unit
    stock.refresh_from_db()
    committed = Reservation.objects.filter(state="committed").count()
    assert stock.reserved == 0 and stock.on_hand == rounds - committed
    _assert_consistent()
