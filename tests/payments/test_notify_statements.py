"""The payment notification's hot path: how many statements it costs, and the
guards kept when its writes were folded into fewer statements (one lock on
payment + order, the stock commit and the quota consumption each a lock then
one guarded write, no savepoints)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from shequn.checkout.services import place_order
from shequn.inventory import selectors as stock_selectors
from shequn.inventory import services as stock_services
from shequn.inventory.models import Reservation, Stock, StockMove
from shequn.orders import services as order_services
from shequn.orders.models import Order, OrderStatusChange
from shequn.payments import services
from shequn.payments.models import Payment, PaymentNotification
from shequn.payments.provider import get_provider, sign_notification
from shequn.quota import services as quota
from shequn.quota.models import QuotaAccount, QuotaMove
from tests.builders import (
    cart_with,
    make_buyable,
    make_buyer_with_identity,
    make_sku,
    make_stock,
    make_warehouse,
)

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _placed(price: str = "298.00", qty: int = 1, lots: int = 1):
    buyer = make_buyer_with_identity()
    sku = make_buyable(price, 10)
    wh = Stock.objects.filter(sku=sku).first().warehouse
    for i in range(1, lots):  # more batches, so the order spans several stock rows
        make_stock(wh, sku, 1, expiry=dt.date(2028, i, 1))
    cart = cart_with(buyer.user, (sku, qty))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    return buyer, sku, order, Payment.objects.get(order=order)


def _note(payment, buyer, **kw):
    args = dict(out_trade_no=payment.out_trade_no, amount=payment.amount,
                payer_name=buyer.name, payer_id_number=buyer.id_number)
    args.update(kw)
    return get_provider().success_notification(**args)


def _balanced(sku) -> None:
    for stock in Stock.objects.filter(sku=sku):
        assert 0 <= stock.reserved <= stock.on_hand
        assert stock_selectors.stock_ledger_balances_ok(stock)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lots", [1, 3])
def test_notification_statements_and_no_savepoint(lots):
    """As in production (no test transaction around it): a fixed number of
    statements whatever the number of stock rows, and no savepoint."""
    buyer, sku, order, payment = _placed(qty=lots, lots=lots)
    note = _note(payment, buyer)
    with CaptureQueriesContext(connection) as ctx:
        assert services.handle_notification(note.body, note.headers) == "paid"
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sql if "SAVEPOINT" in s], sql
    work = [s for s in sql if not s.startswith(CONTROL)]
    budget = 11 if connection.vendor == "postgresql" else 15
    assert len(work) <= budget, "\n".join(work)
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert Reservation.objects.filter(ref=order.number, state="committed").count() == lots
    assert StockMove.objects.filter(ref=order.number, kind="commit").count() == lots
    assert sum(s.on_hand for s in Stock.objects.filter(sku=sku)) == 10 + lots - 1 - lots
    assert sum(s.reserved for s in Stock.objects.filter(sku=sku)) == 0
    _balanced(sku)
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    assert account.reserved == 0 and account.used == order.taxable_total
    assert QuotaMove.objects.filter(ref=order.number, kind="consume").count() == 1
    assert OrderStatusChange.objects.filter(order=order, to_state="paid").count() == 1
    # A second delivery changes nothing.
    assert services.handle_notification(note.body, note.headers) == "duplicate"
    assert StockMove.objects.filter(ref=order.number, kind="commit").count() == lots
    assert QuotaMove.objects.filter(ref=order.number).count() == 2


@pytest.mark.django_db
def test_payment_row_is_saved_with_only_its_changed_fields():
    buyer, _, order, payment = _placed()
    note = _note(payment, buyer)
    assert services.handle_notification(note.body, note.headers) == "paid"
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED and payment.paid_at is not None
    assert payment.payer_name == buyer.name and payment.payer_id_hash == order.buyer_id_hash
    assert payment.provider_txn_id
    assert payment.amount == order.actual_paid and payment.order_id == order.pk


@pytest.mark.django_db
def test_a_not_success_notification_is_recorded_once_and_changes_nothing():
    buyer, sku, order, payment = _placed()
    data = json.loads(_note(payment, buyer).body)
    data["trade_state"] = "PAYERROR"
    failed = sign_notification(json.dumps(data).encode())
    assert services.handle_notification(failed.body, failed.headers) == "not_success"
    assert services.handle_notification(failed.body, failed.headers) == "duplicate"
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    assert Stock.objects.get(sku=sku).reserved == 1
    paid = _note(payment, buyer)
    assert services.handle_notification(paid.body, paid.headers) == "paid"
    assert list(PaymentNotification.objects.filter(out_trade_no=payment.out_trade_no)
                .order_by("id").values_list("outcome", flat=True)) == ["not_success", "applied"]


@pytest.mark.django_db
def test_mark_paid_refuses_a_locked_order_that_is_not_the_one_named():
    _, _, order, _ = _placed()
    other = Order(pk=order.pk)
    with pytest.raises(ValueError), transaction.atomic():
        order_services.mark_paid(order.pk + 1 if isinstance(order.pk, int) else "x",
                                 locked=other)


@pytest.mark.django_db
def test_commit_refuses_when_the_stock_row_does_not_hold_the_units():
    """The guarded UPDATE (reserved >= units): a stock row that lost its
    reservation (never happens through the services) refuses the commit as a
    whole, like the CHECK constraint did; nothing is half-applied."""
    wh, sku = make_warehouse(), make_sku()
    make_stock(wh, sku, 5)
    stock_services.reserve(warehouse_id=wh.pk, lines=[(sku.pk, 3)], ref="O1")
    Stock.objects.filter(sku=sku).update(reserved=1)
    with pytest.raises(IntegrityError), transaction.atomic():  # joins: no savepoint of its own
        stock_services.commit("O1")
    assert Reservation.objects.get(ref="O1").state == "active"
    assert not StockMove.objects.filter(ref="O1", kind="commit").exists()
    assert Stock.objects.get(sku=sku).on_hand == 5


@pytest.mark.django_db
def test_commit_and_release_of_two_reservations_on_one_stock_row():
    wh, sku = make_warehouse(), make_sku()
    make_stock(wh, sku, 10)
    stock_services.reserve(warehouse_id=wh.pk, lines=[(sku.pk, 2)], ref="O2")
    stock_services.reserve(warehouse_id=wh.pk, lines=[(sku.pk, 3)], ref="O2")
    stock_services.reserve(warehouse_id=wh.pk, lines=[(sku.pk, 1)], ref="O3")
    assert stock_services.commit("O2") == 5
    assert stock_services.commit("O2") == 0
    assert stock_services.release("O3", note="timeout") == 1
    assert stock_services.release("O3") == 0
    stock = Stock.objects.get(sku=sku)
    assert (stock.on_hand, stock.reserved) == (5, 0)
    assert list(StockMove.objects.filter(ref="O2", kind="commit").order_by("id")
                .values_list("on_hand_delta", "reserved_delta")) == [(-2, -2), (-3, -3)]
    move = StockMove.objects.get(ref="O3", kind="release")
    assert (move.on_hand_delta, move.reserved_delta, move.note) == (0, -1, "timeout")
    assert stock_selectors.stock_ledger_balances_ok(stock)


@pytest.mark.django_db
def test_quota_settle_refuses_when_the_account_does_not_hold_the_amount():
    quota.reserve("h" * 64, 2026, Decimal("100.00"), "Q1")
    QuotaAccount.objects.filter(id_hash="h" * 64).update(reserved=Decimal("40.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        quota.consume("Q1")
    assert not QuotaMove.objects.filter(ref="Q1", kind="consume").exists()


@pytest.mark.django_db
def test_quota_transitions_close_once():
    h = "k" * 64
    quota.reserve(h, 2026, Decimal("100.00"), "Q2")
    quota.reserve(h, 2026, Decimal("50.00"), "Q3")
    assert quota.consume("Q2") is True
    assert quota.consume("Q2") is False
    assert quota.release("Q2") is False  # consumed: cannot be released too
    assert quota.release("Q3") is True
    assert quota.consume("Q3") is False  # released: cannot be consumed after
    assert quota.refund("Q3") is False  # never consumed
    assert quota.refund("Q2") is True
    assert quota.refund("Q2") is False
    assert quota.consume("nothing") is False
    account = QuotaAccount.objects.get(id_hash=h)
    assert (account.used, account.reserved) == (Decimal("0.00"), Decimal("0.00"))
    assert sorted(QuotaMove.objects.filter(account=account).values_list("kind", "ref")) == [
        ("consume", "Q2"), ("refund", "Q2"), ("release", "Q3"), ("reserve", "Q2"),
        ("reserve", "Q3")]
