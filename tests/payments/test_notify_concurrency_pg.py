"""Invariants 2–4 on the notification path under real concurrency (PostgreSQL,
one connection per thread): duplicate deliveries at the same moment pay once,
and a payment racing the timeout either pays or is refunded, never both, with
stock and quota ledgers balanced."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from shequn.checkout.services import place_order
from shequn.core.errors import DomainError
from shequn.inventory import selectors as stock_selectors
from shequn.inventory.models import Reservation, Stock, StockMove
from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import Payment, PaymentNotification, Refund
from shequn.payments.provider import get_provider
from shequn.quota.models import QuotaAccount, QuotaMove
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(works: list[Callable[[], str]]) -> list[str]:
    barrier = threading.Barrier(len(works))
    results = ["none"] * len(works)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = works[i]()
        except DomainError as exc:
            results[i] = exc.code
        except Exception as exc:  # a deadlock or anything else fails the test
            results[i] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def _placed(qty: int = 2):
    buyer = make_buyer_with_identity()
    sku = make_buyable("298.00", 10)
    cart = cart_with(buyer.user, (sku, qty))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    return buyer, sku, order, Payment.objects.get(order=order)


def _balanced(sku, order) -> None:
    for stock in Stock.objects.filter(sku=sku):
        assert 0 <= stock.reserved <= stock.on_hand
        assert stock_selectors.stock_ledger_balances_ok(stock)
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    assert account.used >= 0 and account.reserved == 0
    kinds = sorted(QuotaMove.objects.filter(ref=order.number).values_list("kind", flat=True))
    assert kinds in (["consume", "reserve"], ["release", "reserve"]), kinds


def test_the_same_notification_delivered_at_once_pays_once():
    buyer, sku, order, payment = _placed()
    provider = get_provider()
    same = provider.success_notification(out_trade_no=payment.out_trade_no,
                                         amount=payment.amount, payer_name=buyer.name,
                                         payer_id_number=buyer.id_number)
    others = [provider.success_notification(out_trade_no=payment.out_trade_no,
                                            amount=payment.amount, payer_name=buyer.name,
                                            payer_id_number=buyer.id_number)
              for _ in range(3)]
    notes = [same] * 5 + others
    results = _race([lambda n=n: services.handle_notification(n.body, n.headers)
                     for n in notes])
    assert sorted(results) == ["duplicate"] * (len(notes) - 1) + ["paid"], results
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert Reservation.objects.filter(ref=order.number, state="committed").count() == 1
    assert StockMove.objects.filter(ref=order.number, kind="commit").count() == 1
    assert Stock.objects.get(sku=sku).on_hand == 8
    assert QuotaMove.objects.filter(ref=order.number, kind="consume").count() == 1
    assert PaymentNotification.objects.filter(out_trade_no=payment.out_trade_no,
                                              outcome="applied").count() == 1
    _balanced(sku, order)


@pytest.mark.parametrize("round_", range(3))
def test_a_payment_racing_the_timeout_pays_or_is_refunded_never_both(round_):
    buyer, sku, order, payment = _placed()
    note = get_provider().success_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, payer_name=buyer.name,
        payer_id_number=buyer.id_number)
    results = _race([
        lambda: services.handle_notification(note.body, note.headers),
        lambda: str(order_services.cancel_unpaid(order.pk, reason="超时未支付 timeout")),
    ])
    order.refresh_from_db()
    stock = Stock.objects.get(sku=sku)
    if results == ["paid", "False"]:
        assert order.state == Order.State.PAID
        assert (stock.on_hand, stock.reserved) == (8, 0)
        assert not Refund.objects.filter(payment=payment).exists()
    else:
        assert results == ["refunded_late", "True"], results
        assert order.state == Order.State.CANCELLED
        assert (stock.on_hand, stock.reserved) == (10, 0)
        assert Refund.objects.filter(payment=payment, state="succeeded").count() == 1
    _balanced(sku, order)
