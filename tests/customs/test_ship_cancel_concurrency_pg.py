"""Shipping and a customs cancellation (CEB623) raced with real concurrent
connections on PostgreSQL: for every order either the cancellation was
requested (and the order never ships) or the order shipped (and no cancellation
was requested); never both, so an approval can never refund shipped goods."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError, connection

from shequn.core.errors import DomainError
from shequn.customs import services
from shequn.customs.models import Declaration
from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments.models import Refund
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order
from tests.customs.clearance_receipts import cancel_answer, inventory_receipt
from tests.customs.test_flow import run_until_quiet

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = 6
S = Order.State


def _race(work: list[Callable[[], object]]) -> list[str]:
    """Run every callable in its own thread (own connection), released together."""
    barrier = threading.Barrier(len(work))
    results = ["none"] * len(work)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work[i]()
            results[i] = "ok"
        except DomainError as exc:
            results[i] = exc.code
        except OperationalError as exc:  # deadlock detected, lock timeout, ...
            results[i] = f"operational_error: {exc}"
        except Exception as exc:
            results[i] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def test_an_order_never_both_ships_and_is_cancelled_at_customs(settings, django_user_model):
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_SIM": {"review_rate": 1.0,
                                                          "review_delay": 3600.0}}
    operator = django_user_model.objects.create(username="customs-op")
    operator.groups.add(Group.objects.get_or_create(name="operator")[0])
    sku = make_sku(price="70.00")
    make_stock(make_warehouse(), sku, ORDERS)
    orders = [place_paid_order(make_buyer(), sku) for _ in range(ORDERS)]
    run_until_quiet()
    declarations = [Declaration.objects.get(order=o) for o in orders]
    assert {d.state for d in declarations} == {Declaration.State.REVIEW}

    def cancel(d: Declaration) -> Callable[[], object]:
        return lambda: services.request_cancel(operator, d.order_id, "买家取消")

    def release_and_ship(d: Declaration) -> Callable[[], object]:
        def run() -> None:
            services.receive(inventory_receipt(d, "800", "20991125090000000"))
            order_services.mark_shipped(d.order_id, operator)
        return run

    work: list[Callable[[], object]] = []
    for d in declarations:
        work += [cancel(d), release_and_ship(d)]
    results = _race(work)
    assert not [r for r in results if r.startswith(("operational_error", "error", "none"))], \
        results
    for i, d in enumerate(declarations):
        cancelled, shipped = results[2 * i], results[2 * i + 1]
        assert (cancelled == "ok") != (shipped == "ok"), (cancelled, shipped)
        assert cancelled in ("ok", "not_cancellable"), cancelled
        assert shipped in ("ok", "customs_cancel_pending"), shipped

    # Customs now approves every cancellation it was sent: refunds follow,
    # and none of them is for goods that left.
    for i, d in enumerate(declarations):
        if results[2 * i] == "ok":
            assert services.receive(cancel_answer(d, "399")) == ["applied"]
    run_until_quiet()
    for d in declarations:
        order = Order.objects.get(pk=d.order_id)
        refunded = Refund.objects.filter(payment__order=order).exists()
        assert not (order.shipped_at is not None and refunded), order.number
        assert order.state in (S.SHIPPED, S.REFUNDED), order.state
