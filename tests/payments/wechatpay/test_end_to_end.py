"""JSAPI end to end through the simulator: order → prepay → pay (the bridge
verifies paySign) → signed, encrypted notification → order paid. Duplicated,
reordered and dropped-then-retried notifications are applied once; refunds go
out and settle by their notification; more than was paid is refused before
calling out."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from shequn.checkout.services import place_order
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.core.models import OutboxEvent
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import (
    Payment,
    PaymentNotification,
    Refund,
    WxSimNotification,
    WxSimRefund,
    WxSimTransaction,
)
from shequn.payments.wechatpay import notify
from shequn.payments.wechatpay.sim import api as sim
from shequn.payments.wechatpay.sim import delivery
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = pytest.mark.django_db(transaction=True)

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI")
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def _placed(price="298.00", qty=1):
    buyer = make_buyer_with_identity()
    sku = make_buyable(price, 10)
    cart = cart_with(buyer.user, (sku, qty))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    return buyer, order, Payment.objects.get(order=order)


def _jsapi_params(client, buyer, order):
    client.force_login(buyer.user)
    session = client.session
    session["wechat_openid"] = OPENID
    session.save()
    page = client.get(f"/pay/wechat/{order.checkout_id}/", HTTP_USER_AGENT=WECHAT_UA)
    assert page.status_code == 200, page.content[:500]
    assert page.context["scene"] == "jsapi"
    html = page.content.decode()
    found = re.search(r'<script id="wxpay-params" type="application/json">(.*?)</script>', html,
                      re.S)
    return json.loads(found.group(1))


def _bridge_pay(client, params):
    response = client.post("/wxpaysim/bridge/pay", data=json.dumps(params),
                           content_type="application/json")
    return response.json()["err_msg"]


def test_jsapi_end_to_end(client, wxpay):
    buyer, order, payment = _placed()
    assert payment.provider == "wechatpay" and payment.out_trade_no == order.number
    params = _jsapi_params(client, buyer, order)
    assert params["appId"] == wxpay.appid and params["package"].startswith("prepay_id=wx")
    trade = WxSimTransaction.objects.get(out_trade_no=order.number)
    assert (trade.trade_type, trade.amount_total, trade.openid) == (
        "JSAPI", int(payment.amount * 100), OPENID)
    assert _bridge_pay(client, params) == "get_brand_wcpay_request:ok"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.state == Order.State.PAID
    assert payment.state == Payment.State.SUCCEEDED
    trade.refresh_from_db()
    assert payment.provider_txn_id == trade.transaction_id and trade.state == "SUCCESS"
    note = WxSimNotification.objects.get(key=order.number)
    assert (note.state, note.deliveries, note.last_status) == ("acked", 1, 204)
    # Paying again is idempotent at the simulator, and the order stays paid once.
    assert _bridge_pay(client, params) == "get_brand_wcpay_request:ok"
    assert OutboxEvent.objects.filter(topic="order.paid", aggregate_id=str(order.pk)).count() == 1


def test_forged_pay_sign_is_refused_by_the_bridge(client, wxpay):
    buyer, order, _ = _placed()
    params = _jsapi_params(client, buyer, order)
    params["paySign"] = params["paySign"][:-4] + "AAA="
    assert _bridge_pay(client, params) == "get_brand_wcpay_request:fail"
    assert WxSimTransaction.objects.get(out_trade_no=order.number).state == "NOTPAY"


def test_h5_and_native_scenes(client, wxpay):
    buyer, order, _ = _placed()
    client.force_login(buyer.user)
    phone = client.get(f"/pay/wechat/{order.checkout_id}/",
                       HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36")
    assert phone.status_code == 302 and phone["Location"].startswith("/wxpaysim/h5/wx")
    assert "redirect_url=" in phone["Location"]
    desk = client.get(f"/pay/wechat/{order.checkout_id}/",
                      HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
    assert desk.status_code == 200 and desk.context["scene"] == "native"
    assert desk.context["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert desk.context["qr_uri"].startswith("data:image/svg+xml")
    # Same out_trade_no, same parameters: the simulator keeps one order.
    assert WxSimTransaction.objects.filter(out_trade_no=order.number).count() == 1
    scan = client.post(desk.context["scan_url"])
    assert scan.status_code == 302
    order.refresh_from_db()
    assert order.state == Order.State.PAID


def _pay_without_delivery(order):
    """Pay at the simulator with the notification dropped on its first push."""
    delivery.queue_fault("drop", key=order.number)
    trade = WxSimTransaction.objects.get(out_trade_no=order.number)
    sim.pay(trade.prepay_id)


def test_dropped_notification_is_retried_on_the_schedule(client, wxpay):
    buyer, order, _ = _placed()
    _bridge_ready = _jsapi_params(client, buyer, order)
    _pay_without_delivery(order)
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    note = WxSimNotification.objects.get(key=order.number)
    assert (note.attempts, note.deliveries, note.state) == (1, 0, "pending")
    assert delivery.deliver_due() == []  # not due yet (10 s)
    clock.advance(dt.timedelta(seconds=11))
    sent = delivery.deliver_due()
    assert [s for _, s in sent] == [204]
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    note.refresh_from_db()
    assert (note.attempts, note.state) == (2, "acked")


def test_retries_stop_after_the_schedule(client, wxpay):
    buyer, order, _ = _placed()
    _jsapi_params(client, buyer, order)
    delivery.queue_fault("drop", count=99, key=order.number)
    sim.pay(WxSimTransaction.objects.get(out_trade_no=order.number).prepay_id)
    for _ in range(10):
        clock.advance(dt.timedelta(seconds=31))
        delivery.deliver_due()
    note = WxSimNotification.objects.get(key=order.number)
    assert note.state == "gave_up" and note.attempts == 5  # 1 + 4 retries
    # No notification came: reconciliation asks WeChat and applies the payment.
    payment = Payment.objects.get(order=order)
    assert notify.reconcile(payment) == "paid"
    order.refresh_from_db()
    assert order.state == Order.State.PAID


def test_duplicate_notification_is_counted_once(client, wxpay):
    buyer, order, _ = _placed()
    params = _jsapi_params(client, buyer, order)
    delivery.queue_fault("duplicate", key=order.number)
    assert _bridge_pay(client, params) == "get_brand_wcpay_request:ok"
    note = WxSimNotification.objects.get(key=order.number)
    assert note.deliveries == 2 and note.last_status == 204
    assert Payment.objects.filter(order=order, state="succeeded").count() == 1
    assert PaymentNotification.objects.filter(out_trade_no=order.number,
                                              outcome="applied").count() == 1
    assert OutboxEvent.objects.filter(topic="order.paid", aggregate_id=str(order.pk)).count() == 1


def test_reordered_notifications_each_applied_once(client, wxpay):
    b1, o1, _ = _placed()
    b2, o2, _ = _placed()
    p1 = _jsapi_params(client, b1, o1)
    delivery.queue_fault("reorder", key=o1.number)
    assert _bridge_pay(client, p1) == "get_brand_wcpay_request:ok"
    p2 = _jsapi_params(client, b2, o2)
    assert _bridge_pay(client, p2) == "get_brand_wcpay_request:ok"
    o1.refresh_from_db()
    o2.refresh_from_db()
    assert (o1.state, o2.state) == (Order.State.PENDING_PAYMENT, Order.State.PAID)
    clock.advance(dt.timedelta(seconds=delivery.REORDER_HOLD + 1))
    delivery.deliver_due()
    o1.refresh_from_db()
    assert o1.state == Order.State.PAID
    # A late re-push of the first (already applied) notification changes nothing.
    first = WxSimNotification.objects.get(key=o1.number)
    headers, body = delivery.build(first)
    assert delivery._post(first.url, headers, body) == 204
    assert PaymentNotification.objects.filter(outcome="applied").count() == 2
    assert OutboxEvent.objects.filter(topic="order.paid").count() == 2


def test_restart_does_not_reapply(client, wxpay):
    """State lives in the database: a fresh config (another process) re-pushing the
    same notification finds it applied."""
    from shequn.payments.wechatpay import config

    buyer, order, _ = _placed()
    assert _bridge_pay(client, _jsapi_params(client, buyer, order)).endswith(":ok")
    config.reset_cache()
    note = WxSimNotification.objects.get(key=order.number)
    headers, body = delivery.build(note)
    assert delivery._post(note.url, headers, body) == 204
    assert PaymentNotification.objects.filter(outcome="applied").count() == 1


def test_refund_and_refund_notification(client, wxpay):
    buyer, order, payment = _placed()
    assert _bridge_pay(client, _jsapi_params(client, buyer, order)).endswith(":ok")
    refund = services.refund_order(order.pk, actor=None, reason="buyer changed mind")
    refund.refresh_from_db()
    assert refund.state == Refund.State.SUCCEEDED  # its notification came after commit
    sim_refund = WxSimRefund.objects.get(out_refund_no=refund.out_refund_no)
    assert sim_refund.status == "SUCCESS" and sim_refund.amount == int(payment.amount * 100)
    assert refund.provider_refund_id == sim_refund.refund_id
    order.refresh_from_db()
    assert order.state == Order.State.REFUNDED
    # The refund notification again: a duplicate, nothing changes.
    note = WxSimNotification.objects.get(key=refund.out_refund_no)
    headers, body = delivery.build(note)
    assert delivery._post(note.url, headers, body) == 204
    assert PaymentNotification.objects.filter(outcome="refund_succeeded").count() == 1


def test_refund_above_paid_is_refused_before_calling_out(client, wxpay):
    buyer, order, payment = _placed()
    assert _bridge_pay(client, _jsapi_params(client, buyer, order)).endswith(":ok")
    services.refund_amount(order.pk, Decimal("200.00"), actor=None, reason="goodwill")
    rest = payment.amount - Decimal("200.00")
    with pytest.raises(DomainError) as exc:
        services.refund_amount(order.pk, rest + Decimal("0.01"), actor=None, reason="too much")
    assert exc.value.code == "refund_exceeds_paid"
    assert WxSimRefund.objects.count() == 1  # the simulator was never asked
    services.refund_amount(order.pk, rest, actor=None, reason="the rest")
    assert sum(r.amount for r in WxSimRefund.objects.all()) == int(payment.amount * 100)
    assert Refund.objects.filter(payment=payment, state="succeeded").count() == 2


def test_cancelled_order_closes_its_wechat_order(client, wxpay):
    from shequn.core import outbox
    from shequn.orders import services as order_services

    buyer, order, payment = _placed()
    params = _jsapi_params(client, buyer, order)
    order_services.cancel_unpaid(order.pk, reason="timeout")
    outbox.drain()
    payment.refresh_from_db()
    assert payment.state == Payment.State.CLOSED
    assert WxSimTransaction.objects.get(out_trade_no=order.number).state == "CLOSED"
    assert _bridge_pay(client, params) == "get_brand_wcpay_request:fail"
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED


def test_periodic_jobs_retry_and_reconcile(client, wxpay):
    from shequn.core import worker
    from shequn.payments.wechatpay.notify import reconcile_job

    jobs = worker.periodic_jobs()
    assert any(name.endswith("reconcile_job") for name in jobs)
    assert any(name.endswith("deliver_job") for name in jobs)
    # A dropped push is retried by the periodic job once due.
    b1, o1, _ = _placed()
    _jsapi_params(client, b1, o1)
    _pay_without_delivery(o1)
    clock.advance(dt.timedelta(seconds=11))
    assert delivery.deliver_job() == 1
    o1.refresh_from_db()
    assert o1.state == Order.State.PAID
    # Never notified at all: reconciliation after 10 minutes finds it paid.
    b2, o2, _ = _placed()
    _jsapi_params(client, b2, o2)
    delivery.queue_fault("drop", count=99, key=o2.number)
    sim.pay(WxSimTransaction.objects.get(out_trade_no=o2.number).prepay_id)
    assert reconcile_job() == 0  # too early
    clock.advance(dt.timedelta(minutes=11))
    assert reconcile_job() == 1
    o2.refresh_from_db()
    assert o2.state == Order.State.PAID
    assert reconcile_job() == 0


def test_reconciliation_reaches_past_the_payments_it_asked_about_lately(wxpay, monkeypatch):
    # Each payment is asked about at most every 5 minutes; the job used to take
    # the `limit` oldest open payments and skip the ones asked about lately, so
    # with more open payments than `limit` the younger ones were never asked
    # (a payment whose notification was lost stayed unpaid until the timeout).
    from shequn.payments.wechatpay import notify as wxnotify

    placed = [_placed()[2] for _ in range(3)]
    asked: list[str] = []
    monkeypatch.setattr(wxnotify, "reconcile",
                        lambda payment: asked.append(payment.out_trade_no) or "notpay")
    clock.advance(dt.timedelta(minutes=11))
    wxnotify.reconcile_job(limit=2)
    wxnotify.reconcile_job(limit=2)
    assert sorted(asked) == sorted(p.out_trade_no for p in placed)
    wxnotify.reconcile_job(limit=2)  # all asked lately: nobody again before 5 minutes
    assert len(asked) == 3
