"""Each bad notification to /pay/wechat/notify is refused with a 4xx/5xx
``{"code":"FAIL","message":…}`` and a log line, and changes nothing; a good one
is 204. Also: the public-key mode, the refund endpoint's checks, and the
simulator's own refusals (§6)."""

from __future__ import annotations

import json
import logging
import time

import pytest

from shequn.checkout.services import place_order
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import Payment, PaymentNotification, WxSimTransaction
from shequn.payments.wechatpay import crypto
from shequn.payments.wechatpay.client import Client, WeChatPayError, to_fen
from shequn.payments.wechatpay.sim.keys import keys
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = pytest.mark.django_db

NOTIFY = "/pay/wechat/notify"


def _placed():
    buyer = make_buyer_with_identity()
    sku = make_buyable("298.00", 10)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    return order, Payment.objects.get(order=order)


def _notification(cfg, payment, *, total=None, mchid=None, aad="transaction", apiv3=None,
                  signer=None, serial=None, ts=None, event_id="EV-1", claim_aad=None):
    plain = {"mchid": mchid or cfg.mchid, "appid": cfg.appid,
             "out_trade_no": payment.out_trade_no, "transaction_id": "4200000001202612060001",
             "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
             "success_time": "2026-12-06T10:00:00+08:00", "payer": {"openid": "o1"},
             "amount": {"total": to_fen(payment.amount) if total is None else total,
                        "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"}}
    resource = crypto.encrypt_resource(apiv3 or cfg.apiv3_key, json.dumps(plain).encode(),
                                       associated_data=aad)
    if claim_aad is not None:
        resource["associated_data"] = claim_aad  # the AAD does not match the ciphertext
    body = json.dumps({"id": event_id, "create_time": "2026-12-06T10:00:00+08:00",
                       "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
                       "summary": "支付成功", "resource": resource}).encode()
    k = keys()
    headers = crypto.signed_headers(signer or k.platform_key, serial or k.platform_serial, body,
                                    timestamp=ts)
    return headers, body


def _post(client, headers, body, path=NOTIFY):
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    return client.post(path, data=body, content_type="application/json", **meta)


def _unchanged(order):
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    assert not PaymentNotification.objects.filter(signature_ok=True).exists()
    assert Payment.objects.get(order=order).state == Payment.State.CREATED


def test_good_notification_is_204_and_applied(client, wxpay):
    order, payment = _placed()
    response = _post(client, *_notification(wxpay, payment))
    assert response.status_code == 204
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert Payment.objects.get(order=order).provider_txn_id == "4200000001202612060001"


@pytest.mark.parametrize("case,status", [
    ("amount", 400), ("unknown_serial", 401), ("bad_signature", 401), ("stale", 401),
    ("future", 401), ("foreign_mchid", 400), ("aad", 400), ("apiv3", 400), ("probe", 401),
    ("byte_flip", 401), ("no_headers", 401), ("unknown_order", 404)])
def test_bad_notification_is_refused_and_changes_nothing(client, wxpay, caplog, case, status):
    order, payment = _placed()
    now = int(time.time())
    kwargs = {"amount": {"total": to_fen(payment.amount) - 1},
              "unknown_serial": {"serial": "0123456789ABCDEF0123"},
              "bad_signature": {"signer": crypto.new_keypair()},
              "stale": {"ts": now - 300}, "future": {"ts": now + 301},
              "foreign_mchid": {"mchid": "1999999999"},
              "aad": {"aad": "refund", "claim_aad": "transaction"},
              "apiv3": {"apiv3": "Q" * 32}}.get(case, {})
    headers, body = _notification(wxpay, payment, **kwargs)
    if case == "probe":
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    if case == "byte_flip":
        body = body.replace(b'"EV-1"', b'"EV-2"')
    if case == "no_headers":
        headers = {}
    if case == "unknown_order":
        Payment.objects.filter(pk=payment.pk).update(out_trade_no="OTHER123")
    with caplog.at_level(logging.WARNING, logger="shequn"):
        response = _post(client, headers, body)
    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] == "FAIL" and data["message"]
    assert any("refused" in r.getMessage() or "mismatch" in r.getMessage()
               for r in caplog.records), [r.getMessage() for r in caplog.records]
    if case == "unknown_order":
        Payment.objects.filter(pk=payment.pk).update(out_trade_no=payment.out_trade_no)
    _unchanged(order)


def test_public_key_mode_notification_is_accepted(client, wxpay):
    order, payment = _placed()
    k = keys()
    response = _post(client, *_notification(wxpay, payment, signer=k.public_key,
                                            serial=k.public_key_id))
    assert response.status_code == 204


def test_refund_notification_for_unknown_refund_is_refused(client, wxpay):
    order, payment = _placed()
    plain = {"mchid": wxpay.mchid, "out_trade_no": payment.out_trade_no,
             "out_refund_no": "RNOPE", "refund_id": "1", "refund_status": "SUCCESS",
             "amount": {"total": 100, "refund": 100}}
    resource = crypto.encrypt_resource(wxpay.apiv3_key, json.dumps(plain).encode(),
                                       associated_data="refund", original_type="refund")
    body = json.dumps({"id": "EV-R", "event_type": "REFUND.SUCCESS", "resource": resource}
                      ).encode()
    k = keys()
    headers = crypto.signed_headers(k.platform_key, k.platform_serial, body)
    response = _post(client, headers, body, path="/pay/wechat/refund-notify")
    assert response.status_code == 404 and response.json()["code"] == "FAIL"
    # A refund notification sent to the payment endpoint is refused too.
    response = _post(client, headers, body)
    assert response.status_code == 400


# ------------------------------------------------------------ the simulator's checks


def test_simulator_refuses_a_bad_merchant_signature(wxpay):
    other = Client(wxpay)
    bad = type(wxpay)(**{**wxpay.__dict__, "merchant_key": crypto.new_keypair()})
    with pytest.raises(WeChatPayError) as exc:
        Client(bad).native(out_trade_no="SO000000001", description="x", total_fen=1,
                           notify_url="https://shop.example.com/pay/wechat/notify")
    assert (exc.value.status, exc.value.code) == (401, "SIGN_ERROR")
    assert other.native(out_trade_no="SO000000001", description="x", total_fen=1,
                        notify_url="https://shop.example.com/pay/wechat/notify")


def test_simulator_order_rules(wxpay):
    api = Client(wxpay)
    order = dict(out_trade_no="SO000000002", description="Milk powder x2", total_fen=25900,
                 notify_url="https://shop.example.com/pay/wechat/notify")
    first = api.native(**order)
    assert api.native(**order) == first or api.native(**order).startswith("weixin://")
    with pytest.raises(WeChatPayError) as exc:
        api.native(**{**order, "total_fen": 25901})
    assert exc.value.code == "OUT_TRADE_NO_USED"
    with pytest.raises(WeChatPayError) as exc:
        api.native(**{**order, "out_trade_no": "SO3", "notify_url": "https://x.example/n?a=1"})
    assert exc.value.code == "PARAM_ERROR"
    assert api.query("SO000000002")["trade_state"] == "NOTPAY"
    api.close("SO000000002")
    assert api.query("SO000000002")["trade_state"] == "CLOSED"
    with pytest.raises(WeChatPayError) as exc:
        api.native(**order)
    assert exc.value.code == "ORDER_CLOSED"
    with pytest.raises(WeChatPayError) as exc:
        api.query("SO404404404")
    assert (exc.value.status, exc.value.code) == (404, "ORDER_NOT_EXIST")


def test_simulator_refuses_refunds_above_the_total(wxpay, settings):
    from shequn.payments.wechatpay.sim import api as sim

    settings.SHEQUN = {**settings.SHEQUN, "WECHATPAY_SIM": {
        **settings.SHEQUN["WECHATPAY_SIM"], "DELIVER_IN_TRANSACTION": True}}
    api = Client(wxpay)
    api.native(out_trade_no="SO000000005", description="x", total_fen=1000,
               notify_url="http://testserver/pay/wechat/notify")
    sim.pay(WxSimTransaction.objects.get(out_trade_no="SO000000005").prepay_id)
    first = api.refund(out_trade_no="SO000000005", out_refund_no="R1", refund_fen=600,
                       total_fen=1000)
    again = api.refund(out_trade_no="SO000000005", out_refund_no="R1", refund_fen=600,
                       total_fen=1000)
    assert first["refund_id"] == again["refund_id"]
    with pytest.raises(WeChatPayError) as exc:
        api.refund(out_trade_no="SO000000005", out_refund_no="R2", refund_fen=401,
                   total_fen=1000)
    assert exc.value.code == "NOT_ENOUGH"
    assert api.query_refund("R1")["status"] == "SUCCESS"


def test_response_signed_by_an_unknown_key_is_refused(wxpay):
    def forged(method, url, headers, body):
        payload = b'{"code_url":"weixin://wxpay/bizpayurl?pr=x"}'
        return 200, crypto.signed_headers(crypto.new_keypair(), keys().platform_serial,
                                          payload), payload

    with pytest.raises(WeChatPayError) as exc:
        Client(wxpay, transport=forged).native(out_trade_no="SO000000006", description="x",
                                               total_fen=1, notify_url="https://a.example/n")
    assert exc.value.code == "RESPONSE_NOT_VERIFIED"


def test_fen_conversion_is_exact():
    from decimal import Decimal

    from shequn.payments.wechatpay.client import from_fen

    assert to_fen(Decimal("325.12")) == 32512 and to_fen(Decimal("0.1")) == 10
    assert from_fen(32512) == Decimal("325.12")
    with pytest.raises(ValueError):
        to_fen(Decimal("1.005"))
    with pytest.raises(TypeError):
        from_fen(1.5)


def _sealed(cfg, plain, event_id):
    resource = crypto.encrypt_resource(cfg.apiv3_key, json.dumps(plain).encode(),
                                       associated_data="transaction")
    envelope = {"event_type": "TRANSACTION.SUCCESS", "resource": resource}
    if event_id is not None:
        envelope["id"] = event_id
    body = json.dumps(envelope).encode()
    k = keys()
    return crypto.signed_headers(k.platform_key, k.platform_serial, body), body


def _paid_plain(cfg, payment, txn="4200000001202612060009", **changes):
    plain = {"mchid": cfg.mchid, "appid": cfg.appid, "out_trade_no": payment.out_trade_no,
             "transaction_id": txn, "trade_state": "SUCCESS",
             "amount": {"total": to_fen(payment.amount), "currency": "CNY"}}
    plain.update(changes)
    return {k: v for k, v in plain.items() if v is not None}


@pytest.mark.parametrize("changes", [
    {"appid": None},  # a payment notification always names the appid (§3.4)
    {"appid": ""},
    {"amount": {"total": None, "currency": "USD"}},  # the total in another currency
])
def test_notification_without_our_appid_or_in_another_currency_is_refused(client, wxpay,
                                                                          changes):
    order, payment = _placed()
    if "amount" in changes:
        changes = {"amount": {**changes["amount"], "total": to_fen(payment.amount)}}
    response = _post(client, *_sealed(wxpay, _paid_plain(wxpay, payment, **changes), "EV-9"))
    assert response.status_code == 400 and response.json()["code"] == "FAIL"
    _unchanged(order)


def test_notification_without_an_id_is_refused_not_taken_for_a_duplicate(client, wxpay):
    # The id is the de-duplication key: an envelope without one was recorded
    # under "", and every later id-less notification was answered 204 as a
    # "duplicate" of it without being applied (WeChat stops retrying on 204).
    first, p1 = _placed()
    second, p2 = _placed()
    for payment, txn in ((p1, "4200000001202612060101"), (p2, "4200000001202612060102")):
        response = _post(client, *_sealed(wxpay, _paid_plain(wxpay, payment, txn=txn), None))
        assert response.status_code == 400 and response.json()["code"] == "FAIL"
    for order in (first, second):
        _unchanged(order)
    # With its id, each is applied once.
    for payment, txn, eid in ((p1, "4200000001202612060101", "EV-A"),
                              (p2, "4200000001202612060102", "EV-B")):
        assert _post(client, *_sealed(wxpay, _paid_plain(wxpay, payment, txn=txn),
                                      eid)).status_code == 204
    for order in (first, second):
        order.refresh_from_db()
        assert order.state == Order.State.PAID
