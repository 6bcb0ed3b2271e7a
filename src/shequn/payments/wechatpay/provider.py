"""The WeChat Pay adapter of the payment port (payments/provider.py), chosen by
SHEQUN_PAYMENT_PROVIDER=wechatpay.

- ``Payment.provider`` is ``"wechatpay"``; ``Payment.out_trade_no`` is the order
  number (one payment per order; customs matches payment and order by it);
  ``Payment.provider_txn_id`` is WeChat's ``transaction_id``.
- The pay page (/pay/wechat/<checkout>/) picks the scene: JSAPI inside WeChat
  (the buyer's openid from the OAuth step, ``session["wechat_openid"]``), H5 in
  other phone browsers, Native (a QR code) on desktops.
- Refunds are asked with the order's total and settle by REFUND.SUCCESS
  notification (the Refund stays REQUESTED until then).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from shequn.orders.models import Order
from shequn.payments.errors import PaymentError
from shequn.payments.models import Payment
from shequn.payments.wechatpay.client import Client, WeChatPayError, to_fen
from shequn.payments.wechatpay.config import get_config

log = logging.getLogger("shequn.payments.wechatpay")

NAME = "wechatpay"
NOTIFY_PATH = "/pay/wechat/notify"
REFUND_NOTIFY_PATH = "/pay/wechat/refund-notify"
SCENES = ("jsapi", "h5", "native")


def scene_for(user_agent: str, openid: str) -> str:
    """JSAPI in WeChat's browser (with an openid of our appid), H5 in other phone
    browsers, Native (QR) elsewhere (§1.4, §3.3)."""
    ua = user_agent or ""
    if "MicroMessenger" in ua and openid:
        return "jsapi"
    if any(word in ua for word in ("Mobile", "Android", "iPhone", "iPad")):
        return "h5"
    return "native"


def client() -> Client:
    return Client(get_config())


class WeChatPayProvider:
    name = NAME
    refunds_settle_by_notification = True

    def pay_url(self, checkout_id: str) -> str:
        return f"/pay/wechat/{checkout_id}/"

    def out_trade_no(self, order: Order) -> str:
        return order.number

    def refund(self, out_trade_no: str, out_refund_no: str, amount: Decimal) -> str:
        payment = Payment.objects.filter(out_trade_no=out_trade_no).first()
        if payment is None:
            raise PaymentError.UNKNOWN_PAYMENT.error()
        if amount <= 0:
            raise PaymentError.REFUND_EXCEEDS_PAID.error(paid=payment.amount, refunded=0,
                                                         asked=amount)
        cfg = get_config()
        try:
            data = Client(cfg).refund(out_trade_no=out_trade_no, out_refund_no=out_refund_no,
                                      refund_fen=to_fen(amount), total_fen=to_fen(payment.amount),
                                      notify_url=cfg.notify_url(REFUND_NOTIFY_PATH))
        except WeChatPayError as exc:
            log.warning("wechatpay refund %s refused: %s", out_refund_no, exc.code)
            raise PaymentError.PROVIDER_ERROR.error(code=exc.code) from exc
        return str(data["refund_id"])


def prepay(payment: Payment, scene: str, *, openid: str = "", client_ip: str = "",
           return_url: str = "") -> dict[str, Any]:
    """Ask WeChat for the payment in this scene: what the pay page shows."""
    cfg = get_config()
    api = Client(cfg)
    order: dict[str, Any] = dict(out_trade_no=payment.out_trade_no,
                 description=f"社群订单 {payment.order.number}",
                 total_fen=to_fen(payment.amount), notify_url=cfg.notify_url(NOTIFY_PATH))
    try:
        if scene == "jsapi":
            from shequn.payments.wechatpay.crypto import jsapi_params

            prepay_id = api.jsapi(openid=openid, **order)
            return {"scene": scene, "params": jsapi_params(cfg.merchant_key, cfg.appid,
                                                           prepay_id)}
        if scene == "h5":
            url = api.h5(client_ip=client_ip or "127.0.0.1", **order)
            if return_url:
                from urllib.parse import quote

                url += ("&" if "?" in url else "?") + "redirect_url=" + quote(return_url,
                                                                              safe="")
            return {"scene": scene, "h5_url": url}
        return {"scene": "native", "code_url": api.native(**order)}
    except WeChatPayError as exc:
        if exc.code == "ORDERPAID":
            return {"scene": scene, "paid": True}
        log.warning("wechatpay prepay %s refused: %s", payment.out_trade_no, exc.code)
        raise PaymentError.PROVIDER_ERROR.error(code=exc.code) from exc


def close_open_payments(order_id: Any) -> int:
    """Close the order's open WeChat payments at WeChat, then here; returns how
    many. Idempotent (an order WeChat does not know is closed already)."""
    closed = 0
    for payment in Payment.objects.filter(order_id=order_id, provider=NAME,
                                          state=Payment.State.CREATED):
        try:
            client().close(payment.out_trade_no)
        except WeChatPayError as exc:
            if exc.code == "ORDERPAID":
                continue  # its notification will come; the late payment is refunded
            if exc.code != "ORDER_NOT_EXIST":
                raise  # the outbox retries
        Payment.objects.filter(pk=payment.pk, state=Payment.State.CREATED).update(
            state=Payment.State.CLOSED)
        closed += 1
    return closed
