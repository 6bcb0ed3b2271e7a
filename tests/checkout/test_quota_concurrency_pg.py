"""Invariant 3 under concurrency: orders placed at the same time with the same
resident ID cannot together pass the 26,000 CNY annual limit."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from shequn.checkout.services import place_order
from shequn.core.errors import DomainError
from shequn.orders.models import Order
from shequn.quota.models import QuotaAccount, QuotaMove
from tests.builders import (
    cart_with,
    make_buyable,
    make_buyer_with_identity,
    make_warehouse,
    resident_id,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_orders_with_one_id_never_exceed_the_annual_limit():
    id_number = resident_id(seq=777)
    wh = make_warehouse("bonded")
    item = make_buyable("4900.00", 100, warehouse=wh)
    buyers = [make_buyer_with_identity(id_number) for _ in range(8)]
    carts = [cart_with(b.user, (item, 1)) for b in buyers]
    barrier = threading.Barrier(len(buyers))
    results: list[str] = []
    lock = threading.Lock()

    def buy(i: int) -> None:
        try:
            barrier.wait()
            b = buyers[i]
            place_order(user=b.user, cart=carts[i], identity_id=b.identity_id,
                        address_id=b.address_id, expected_version=carts[i].version)
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code
        except Exception as exc:  # a deadlock or anything else fails the test
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(len(buyers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(results) <= {"ok", "over_annual_limit"}, results
    # 4,900 × 5 = 24,500 fits; a sixth would be 29,400.
    assert results.count("ok") == 5
    account = QuotaAccount.objects.get()
    assert account.reserved == Decimal("24500.00") and account.used == 0
    assert account.reserved <= Decimal("26000")
    assert Order.objects.count() == 5
    assert QuotaMove.objects.filter(kind="reserve").count() == 5
