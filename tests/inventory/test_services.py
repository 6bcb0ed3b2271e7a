from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import IntegrityError, transaction

from shequn.core.errors import DomainError
from shequn.inventory import selectors, services
from shequn.inventory.models import Reservation, Stock, StockMove
from tests.builders import make_sku, make_stock, make_warehouse

pytestmark = pytest.mark.django_db

D = dt.date


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


def _row(stock: Stock) -> tuple[int, int]:
    stock.refresh_from_db()
    return stock.on_hand, stock.reserved


def test_receive_creates_batch_stock_and_ledger():
    wh, sku = make_warehouse(), make_sku()
    s = services.receive(warehouse=wh, sku=sku, lot="L1", expiry=D(2030, 1, 1), qty=5)
    s2 = services.receive(warehouse=wh, sku=sku, lot="L1", expiry=None, qty=3)
    assert s2.pk == s.pk and _row(s) == (8, 0)
    assert StockMove.objects.filter(stock=s, kind=StockMove.Kind.RECEIVE).count() == 2
    assert selectors.stock_ledger_balances_ok(s)
    assert _code(services.receive, warehouse=wh, sku=sku, lot="L1", expiry=D(2031, 1, 1),
                 qty=1) == "batch_mismatch"
    assert _code(services.receive, warehouse=wh, sku=sku, lot="L2", expiry=None,
                 qty=0) == "invalid_qty"


def test_fefo_consumes_earliest_expiry_first_and_splits():
    wh, sku = make_warehouse(), make_sku()
    late = make_stock(wh, sku, 5, expiry=D(2031, 6, 1))
    none = make_stock(wh, sku, 5, expiry=None)
    early = make_stock(wh, sku, 3, expiry=D(2030, 1, 1))  # received last, expires first

    res = services.reserve(warehouse_id=wh.id, lines=[(sku.id, 6)], ref="O1")
    assert [(st.id, n) for st, n in res] == [(early.id, 3), (late.id, 3)]
    assert _row(early) == (3, 3) and _row(late) == (5, 3) and _row(none) == (5, 0)

    # The batch without expiry is used last.
    res = services.reserve(warehouse_id=wh.id, lines=[(sku.id, 4)], ref="O2")
    assert [(st.id, n) for st, n in res] == [(late.id, 2), (none.id, 2)]
    assert selectors.available(sku.id) == 3
    assert selectors.available(sku.id, wh.id) == 3


def test_same_sku_twice_in_lines_is_summed():
    wh, sku = make_warehouse(), make_sku()
    make_stock(wh, sku, 5)
    services.reserve(warehouse_id=wh.id, lines=[(sku.id, 2), (sku.id, 3)], ref="O")
    assert selectors.available(sku.id) == 0 and selectors.reserved_units("O") == 5


def test_out_of_stock_rolls_back_every_line():
    wh, a, b = make_warehouse(), make_sku(), make_sku()
    sa = make_stock(wh, a, 5)
    sb = make_stock(wh, b, 2)
    with pytest.raises(DomainError) as exc:
        services.reserve(warehouse_id=wh.id, lines=[(a.id, 4), (b.id, 3)], ref="O")
    err = exc.value
    assert err.code == "out_of_stock" and err.status == 409
    assert err.detail == {"sku": b.id, "requested": 3, "available": 2}
    assert _row(sa) == (5, 0) and _row(sb) == (2, 0)
    assert not Reservation.objects.exists()
    assert not StockMove.objects.filter(kind=StockMove.Kind.RESERVE).exists()


def test_reserve_inside_callers_transaction_rolls_back_only_itself():
    wh, sku = make_warehouse(), make_sku()
    s = make_stock(wh, sku, 3)
    with transaction.atomic():
        services.reserve(warehouse_id=wh.id, lines=[(sku.id, 2)], ref="A")
        with pytest.raises(DomainError):
            services.reserve(warehouse_id=wh.id, lines=[(sku.id, 2)], ref="B")
    assert _row(s) == (3, 2)
    assert selectors.reserved_units("A") == 2 and selectors.reserved_units("B") == 0


def test_bad_input():
    wh, sku = make_warehouse(), make_sku()
    make_stock(wh, sku, 3)
    assert _code(services.reserve, warehouse_id=10**9, lines=[(sku.id, 1)],
                 ref="O") == "unknown_warehouse"
    assert _code(services.reserve, warehouse_id=wh.id, lines=[(sku.id, 0)],
                 ref="O") == "invalid_qty"
    assert _code(services.reserve, warehouse_id=wh.id, lines=[], ref="O") == "invalid_qty"
    assert _code(services.reserve, warehouse_id=wh.id, lines=[(sku.id, 1)],
                 ref="") == "invalid_ref"
    other = make_warehouse()
    assert _code(services.reserve, warehouse_id=other.id, lines=[(sku.id, 1)],
                 ref="O") == "out_of_stock"


def test_release_is_idempotent():
    wh, sku = make_warehouse(), make_sku()
    s = make_stock(wh, sku, 5)
    services.reserve(warehouse_id=wh.id, lines=[(sku.id, 4)], ref="O")
    assert services.release("O", note="timeout") == 4
    assert _row(s) == (5, 0)
    assert services.release("O") == 0
    assert _row(s) == (5, 0)
    assert StockMove.objects.filter(kind=StockMove.Kind.RELEASE).count() == 1
    assert services.commit("O") == 0  # a released order cannot be sold afterwards
    assert _row(s) == (5, 0) and selectors.stock_ledger_balances_ok(s)


def test_commit_is_idempotent_and_sells_units():
    wh, sku = make_warehouse(), make_sku()
    s1 = make_stock(wh, sku, 2, expiry=D(2030, 1, 1))
    s2 = make_stock(wh, sku, 5, expiry=D(2030, 2, 1))
    services.reserve(warehouse_id=wh.id, lines=[(sku.id, 4)], ref="O")
    assert services.commit("O") == 4
    assert _row(s1) == (0, 0) and _row(s2) == (3, 0)
    assert services.commit("O") == 0
    assert services.release("O") == 0  # sold units are not released
    assert _row(s1) == (0, 0) and _row(s2) == (3, 0)
    assert set(Reservation.objects.values_list("state", flat=True)) == {"committed"}
    assert all(r.closed_at for r in Reservation.objects.all())
    assert selectors.stock_ledger_balances_ok(s1) and selectors.stock_ledger_balances_ok(s2)


def test_restock_once_per_ref():
    wh, sku = make_warehouse(), make_sku()
    s = make_stock(wh, sku, 5)
    services.reserve(warehouse_id=wh.id, lines=[(sku.id, 2)], ref="O")
    assert services.restock("O") == 0  # nothing sold yet
    services.commit("O")
    assert _row(s) == (3, 0)
    assert services.restock("O", note="refund R1") == 2
    assert _row(s) == (5, 0)
    assert services.restock("O") == 0
    assert _row(s) == (5, 0) and selectors.stock_ledger_balances_ok(s)


def test_stock_never_negative_at_database_level():
    wh, sku = make_warehouse(), make_sku()
    s = make_stock(wh, sku, 2)
    for change in ({"on_hand": -1}, {"reserved": -1}, {"reserved": 3}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Stock.objects.filter(pk=s.pk).update(**change)
    assert _row(s) == (2, 0)


def test_selectors_availability_and_choice(django_assert_max_num_queries):
    bonded, direct, bonded2 = (make_warehouse("bonded"), make_warehouse("direct_mail"),
                               make_warehouse("bonded"))
    a, b = make_sku(), make_sku()
    make_stock(bonded, a, 4)
    make_stock(direct, a, 9)
    make_stock(bonded2, a, 6)
    make_stock(direct, b, 1)
    services.reserve(warehouse_id=bonded2.id, lines=[(a.id, 1)], ref="X")
    with django_assert_max_num_queries(1):
        got = selectors.availability_by_warehouse([a.id, b.id])
    assert got == {(a.id, bonded.id): 4, (a.id, direct.id): 9, (a.id, bonded2.id): 5,
                   (b.id, direct.id): 1}
    assert selectors.availability_by_trade_mode([a.id]) == {a.id: {"1210": 9, "9610": 9}}
    with django_assert_max_num_queries(2):
        assert selectors.choose_warehouse(a.id, 3) == bonded2  # bonded, most available
    assert selectors.choose_warehouse(a.id, 5) == bonded2
    assert selectors.choose_warehouse(a.id, 6) == direct  # no bonded one has 6
    assert selectors.choose_warehouse(a.id, 6, trade_mode="1210") is None
    assert selectors.choose_warehouse(a.id, 10) is None
    assert selectors.choose_warehouse(b.id, 1) == direct


OPS = ("receive", "reserve", "release", "commit", "restock")


@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_ledger_matches_rows_after_random_operations(seed):
    rng = random.Random(seed)
    whs = [make_warehouse("bonded"), make_warehouse("direct_mail")]
    skus = [make_sku(), make_sku()]
    refs: list[str] = []
    sold = 0
    for i in range(150):
        op = rng.choice(OPS)
        if op == "receive" or (not refs and op != "reserve"):
            n = rng.randint(1, 4)  # lot 4 has no expiry, so it is used last
            services.receive(warehouse=rng.choice(whs), sku=rng.choice(skus),
                             lot=f"L{n}-{seed}", expiry=D(2030, n, 1) if n < 4 else None,
                             qty=rng.randint(1, 6))
        elif op == "reserve":
            ref = f"R{i}"
            lines = [(s.id, rng.randint(1, 4)) for s in rng.sample(skus, rng.randint(1, 2))]
            try:
                services.reserve(warehouse_id=rng.choice(whs).id, lines=lines, ref=ref)
                refs.append(ref)
            except DomainError as exc:
                assert exc.code == "out_of_stock"
        elif op == "release":
            services.release(rng.choice(refs))
        elif op == "commit":
            sold += services.commit(rng.choice(refs))
        else:
            sold -= services.restock(rng.choice(refs))
        for stock in Stock.objects.all():
            assert stock.on_hand >= stock.reserved >= 0
            assert selectors.stock_ledger_balances_ok(stock), (seed, i, op)
    received = sum(StockMove.objects.filter(kind="receive").values_list("on_hand_delta",
                                                                         flat=True))
    assert sum(Stock.objects.values_list("on_hand", flat=True)) == received - sold
