"""WeChat Pay notifications received (POST /pay/wechat/notify and
/pay/wechat/refund-notify): verified (§3.2), decrypted (§3.4), checked
(mchid/appid ours, amount = the payment's) and applied once through the
payment services, which lock the payment and its order and recognise a
repeated notification (same id) or an already applied payment. Anything
refused changes nothing, is logged, and answers 4xx/5xx with
``{"code": "FAIL", "message": …}`` so WeChat retries; success is 204.

``reconcile`` asks WeChat for an order's state when no notification came.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError

from shequn.core.errors import DomainError
from shequn.payments import selectors, services
from shequn.payments.errors import PaymentError
from shequn.payments.models import Payment
from shequn.payments.wechatpay import crypto
from shequn.payments.wechatpay.client import Client, WeChatPayError, from_fen
from shequn.payments.wechatpay.config import get_config
from shequn.payments.wechatpay.provider import NAME

log = logging.getLogger("shequn.payments.wechatpay")


def _open(body: bytes, headers: Mapping[str, str], original_type: str
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    cfg = get_config()
    try:
        envelope, data = crypto.open_notification(headers, body, cfg.verifier, cfg.apiv3_key,
                                                  now=int(time.time()))
    except crypto.VerificationError as exc:
        total = selectors.count_rejected_notification()
        log.warning("wechatpay notification refused: %s (%d bytes; %d refused so far)",
                    exc.reason, len(body), total)
        if exc.reason == "stale_timestamp":
            raise PaymentError.STALE_NOTIFICATION.error() from exc
        if exc.reason in ("decrypt_failed", "malformed"):
            raise PaymentError.MALFORMED_NOTIFICATION.error() from exc
        raise PaymentError.BAD_SIGNATURE.error() from exc
    if not isinstance(envelope.get("id"), str) or not envelope["id"].strip():
        # The id is what a re-delivery is recognised by: without it every
        # id-less notification would be the "duplicate" of the first one.
        log.warning("wechatpay notification refused: no notification id")
        raise PaymentError.MALFORMED_NOTIFICATION.error()
    if envelope.get("resource", {}).get("original_type", original_type) != original_type:
        log.warning("wechatpay notification refused: %s sent to the %s endpoint",
                    envelope["resource"].get("original_type"), original_type)
        raise PaymentError.MALFORMED_NOTIFICATION.error()
    # A payment names our appid too (refunds name the mchid only).
    if data.get("mchid") != cfg.mchid or (
            ("appid" in data or original_type == "transaction") and data.get("appid") != cfg.appid):
        log.warning("wechatpay notification refused: foreign mchid/appid")
        raise PaymentError.FOREIGN_MERCHANT.error()
    return envelope, data


def _plain(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def apply_transaction(notify_id: str, data: Mapping[str, Any]) -> str:
    try:
        out_trade_no = str(data["out_trade_no"])
        total = data["amount"]["total"]
        currency = data["amount"].get("currency", "CNY")
        amount = from_fen(total)
        success = data.get("trade_state") == "SUCCESS"
        txn_id = str(data.get("transaction_id") or "")
        if success and not txn_id:
            raise KeyError("transaction_id")
    except (KeyError, TypeError, AttributeError) as exc:
        raise PaymentError.MALFORMED_NOTIFICATION.error() from exc
    if currency != "CNY":  # a total in fen of another currency is not the order's amount
        log.warning("wechatpay payment %s in %r refused", out_trade_no, currency)
        raise PaymentError.AMOUNT_MISMATCH.error(expected="CNY", got=str(currency)[:8])
    try:
        return services._apply(NAME, notify_id, out_trade_no, amount, {}, txn_id, success,
                               _plain(data), payer_known=False)
    except IntegrityError:
        return "duplicate"  # a concurrent delivery of the same notification won


def receive_payment(body: bytes, headers: Mapping[str, str]) -> str:
    envelope, data = _open(body, headers, "transaction")
    outcome = apply_transaction(envelope["id"][:64], data)
    log.info("wechatpay notification %s for %s: %s", envelope.get("id"),
             data.get("out_trade_no"), outcome)
    return outcome


def receive_refund(body: bytes, headers: Mapping[str, str]) -> str:
    envelope, data = _open(body, headers, "refund")
    try:
        out_refund_no = str(data["out_refund_no"])
        status = str(data["refund_status"])
        amount = from_fen(data["amount"]["refund"])
        refund_id = str(data.get("refund_id", ""))
    except (KeyError, TypeError) as exc:
        raise PaymentError.MALFORMED_NOTIFICATION.error() from exc
    try:
        outcome = services.apply_refund_notification(
            NAME, envelope["id"][:64], out_refund_no, status, amount, refund_id,
            _plain(data))
    except IntegrityError:
        outcome = "duplicate"
    log.info("wechatpay refund notification %s for %s: %s", envelope.get("id"), out_refund_no,
             outcome)
    return outcome


def answer(kind: str, body: bytes, headers: Mapping[str, str]
           ) -> tuple[int, dict[str, str] | None, DomainError | None]:
    """(HTTP status, JSON body or None, the refusal) for the web view."""
    try:
        (receive_refund if kind == "refund" else receive_payment)(body, headers)
    except DomainError as exc:
        status = exc.status if 400 <= exc.status < 600 else 400
        return status, {"code": "FAIL", "message": str(exc.message)}, exc
    return 204, None, None


def reconcile(payment: Payment) -> str:
    """Ask WeChat (GET …/out-trade-no/{no}) and apply what it says: for orders whose
    notification never came (WeChat does not guarantee delivery)."""
    try:
        data = Client(get_config()).query(payment.out_trade_no)
    except WeChatPayError as exc:
        return "unknown" if exc.code == "ORDER_NOT_EXIST" else f"error:{exc.code}"
    if data.get("trade_state") != "SUCCESS":
        return str(data.get("trade_state", "unknown")).lower()
    return apply_transaction("QUERY-" + str(data.get("transaction_id", ""))[:57], data)


RECONCILE_AFTER = dt.timedelta(minutes=10)
RECONCILE_EVERY_SECONDS = 300


def reconcile_job(limit: int = 50) -> int:
    """Periodic (payments/apps.py): WeChat payments still open 10 minutes after
    they were created are asked about, each at most every 5 minutes (the shared
    cache keeps the pace across workers) — the backstop for notifications that
    never came (reliability-security P3). Returns how many were applied."""
    from django.conf import settings
    from django.core.cache import cache

    from shequn.core import clock
    from shequn.orders.models import Order

    if settings.SHEQUN.get("PAYMENT_PROVIDER") != NAME:
        return 0
    # Open payments are few (unpaid orders are cancelled after the timeout);
    # those asked about lately are passed over, so `limit` counts questions,
    # not rows, and the younger ones are reached too.
    due = list(Payment.objects.filter(provider=NAME, state=Payment.State.CREATED,
                                      created_at__lte=clock.now() - RECONCILE_AFTER,
                                      order__state=Order.State.PENDING_PAYMENT)
               .order_by("created_at").values_list("pk", flat=True))
    applied = asked = 0
    for pk in due:
        if asked >= limit:
            break
        if not cache.add(f"wxpay:reconcile:{pk}", 1, RECONCILE_EVERY_SECONDS):
            continue
        payment = Payment.objects.select_related("order").filter(pk=pk).first()
        if payment is None:
            continue
        asked += 1
        outcome = reconcile(payment)
        if outcome in ("paid", "on_hold", "refunded_late"):
            applied += 1
            log.warning("wechatpay payment %s applied by reconciliation (no notification)",
                        payment.out_trade_no)
    return applied
