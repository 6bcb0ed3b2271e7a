"""Payment notifications: signature, idempotency, amount check, real-name match,
late payment after timeout, refunds."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from shequn.checkout.services import place_order
from shequn.core import clock, outbox
from shequn.core.errors import DomainError
from shequn.core.models import OutboxEvent
from shequn.inventory.models import Stock
from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import Payment, PaymentNotification, Refund
from shequn.payments.provider import get_provider, sign_notification
from shequn.quota.models import QuotaAccount
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = pytest.mark.django_db

NOTIFY = "/api/v1/payments/notify"


def _placed(price: str = "298.00", qty: int = 1):
    buyer = make_buyer_with_identity()
    sku = make_buyable(price, 10)
    cart = cart_with(buyer.user, (sku, qty))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    payment = Payment.objects.get(order=order)
    return buyer, sku, order, payment


def _note(payment, buyer, **kw):
    args = dict(out_trade_no=payment.out_trade_no, amount=payment.amount,
                payer_name=buyer.name, payer_id_number=buyer.id_number)
    args.update(kw)
    return get_provider().success_notification(**args)


def _post(client, note):
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in note.headers.items()}
    return client.post(NOTIFY, data=note.body, content_type="application/json", **headers)


def test_same_notification_three_times_makes_one_payment(client):
    buyer, sku, order, payment = _placed()
    note = _note(payment, buyer)
    statuses = [_post(client, note).status_code for _ in range(3)]
    assert statuses == [204, 204, 204]
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert Payment.objects.filter(order=order, state="succeeded").count() == 1
    assert PaymentNotification.objects.filter(signature_ok=True, outcome="applied").count() == 1
    assert OutboxEvent.objects.filter(topic="order.paid", aggregate_id=str(order.pk)).count() == 1
    stock = Stock.objects.get(sku=sku)
    assert (stock.on_hand, stock.reserved) == (9, 0)
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    assert account.used == order.taxable_total and account.reserved == 0


def test_tampered_body_is_refused_and_changes_nothing(client):
    buyer, _, order, payment = _placed()
    note = _note(payment, buyer)
    forged = type(note)(body=note.body.replace(b'"SUCCESS"', b'"SUCCESS" '), headers=note.headers)
    response = _post(client, forged)
    assert response.status_code == 401
    assert response.json()["code"] == "FAIL"
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    assert not PaymentNotification.objects.filter(signature_ok=True).exists()


def test_old_timestamp_is_refused(client):
    buyer, _, order, payment = _placed()
    body = _note(payment, buyer).body
    stale = sign_notification(body, timestamp=int(time.time()) - 301)
    assert _post(client, stale).status_code == 401
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT


def test_amount_mismatch_is_refused(client):
    buyer, _, order, payment = _placed()
    note = _note(payment, buyer, amount=payment.amount - Decimal("0.01"))
    response = _post(client, note)
    assert response.status_code == 400
    assert response.json()["reason"] == "amount_mismatch"
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT


def test_unknown_payment_is_refused(client):
    buyer, _, _, payment = _placed()
    note = _note(payment, buyer, out_trade_no="PNOPE")
    assert _post(client, note).status_code == 404


def test_malformed_notification_is_refused(client):
    note = sign_notification(b"{not json")
    assert _post(client, note).status_code == 400


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_signed_notification_of_no_finite_amount_is_refused(client, amount):
    buyer, _, order, payment = _placed()
    note = _note(payment, buyer)
    data = json.loads(note.body)
    data["amount"] = amount
    resp = _post(client, sign_notification(json.dumps(data).encode()))
    assert resp.status_code == 400
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT


def test_payer_other_than_buyer_puts_the_order_on_hold(client):
    buyer, _, order, payment = _placed()
    note = _note(payment, buyer, payer_name="李四", payer_id_number="11010119900307803X")
    assert _post(client, note).status_code == 204
    order.refresh_from_db()
    assert order.state == Order.State.ON_HOLD
    assert "实名" in gettext(order.hold_reason)  # stored as an English msgid


def test_payment_after_timeout_is_refunded():
    buyer, sku, order, payment = _placed()
    clock.advance(dt.timedelta(minutes=31))
    assert order_services.expire_unpaid() == 1
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    stock = Stock.objects.get(sku=sku)
    assert stock.reserved == 0
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    assert account.reserved == 0 and account.used == 0
    note = _note(payment, buyer)
    assert services.handle_notification(note.body, note.headers) == "refunded_late"
    assert Refund.objects.filter(payment=payment, state="succeeded").count() == 1
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED


def test_simulated_payment_delivers_duplicates_safely():
    buyer, _, order, _ = _placed()
    outcomes = services.simulate_payment(buyer.user, order.checkout_id, deliveries=3)
    assert outcomes == ["paid", "duplicate", "duplicate"]


def test_operator_refund_gives_back_stock_and_quota(django_user_model):
    from django.contrib.auth.models import Group

    buyer, sku, order, _ = _placed()
    services.simulate_payment(buyer.user, order.checkout_id)
    ops = django_user_model.objects.create(username="ops1")
    ops.groups.add(Group.objects.get_or_create(name="operator")[0])
    refund = services.refund_order(order.pk, actor=ops, reason="buyer asked")
    assert refund.amount == order.actual_paid
    order.refresh_from_db()
    assert order.state == Order.State.REFUNDED
    assert Stock.objects.get(sku=sku).on_hand == 10
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    assert account.used == 0
    with pytest.raises(DomainError) as exc:
        services.refund_order(order.pk, actor=ops, reason="again")
    assert exc.value.code == "not_refundable"


def test_outbox_drain_processes_events():
    buyer, _, order, _ = _placed()
    services.simulate_payment(buyer.user, order.checkout_id)
    seen = []
    outbox.handler("order.paid")(lambda e: seen.append(e.payload["number"]))
    outbox.drain()
    assert order.number in seen
    assert not OutboxEvent.objects.filter(processed_at__isnull=True, topic="order.paid").exists()
    outbox.drain()
    assert seen.count(order.number) == 1
    json.dumps([e.payload for e in OutboxEvent.objects.all()])


def test_stored_notifications_hold_no_plain_id_number(client):
    buyer, _, order, payment = _placed()
    note = _note(payment, buyer)
    _post(client, note)
    forged = type(note)(body=note.body + b" ", headers=note.headers)
    _post(client, forged)
    bodies = list(PaymentNotification.objects.values_list("body", flat=True))
    assert len(bodies) == 1  # the forged one is counted and logged, not stored
    assert all(buyer.id_number not in b for b in bodies)
