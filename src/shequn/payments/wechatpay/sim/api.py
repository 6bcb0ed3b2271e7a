"""The simulator's API: ``handle(method, path, headers, body)`` answers like
api.mch.weixin.qq.com for the subset Shequn uses (§3.3, §3.6, §3.7), and the
payer's side (JSAPI bridge, H5 page, Native scan) marks orders paid and pushes
notifications (§3.4) on WeChat's retry schedule.

Checks (§6): the Authorization header (known merchant serial, signature over the
5 lines rebuilt from the raw bytes, skew < 300 s → else 401 SIGN_ERROR); the
order schema (lengths, charset, integer fen, https-or-loopback notify_url without
a query, appid–mchid binding); same out_trade_no + same params → the same
order, different params → 400 OUT_TRADE_NO_USED; close → 204, then paying →
ORDER_CLOSED; refunds Σ ≤ total (else 403 NOT_ENOUGH), ≤ 50, idempotent by
out_refund_no, PROCESSING until the REFUND.SUCCESS notification is pushed.
Every answer is signed with the platform certificate, or with the public key
when the request names its PUB_KEY_ID in Wechatpay-Serial.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.db import transaction

from shequn.core import clock
from shequn.payments.sim_models import WxSimRefund, WxSimTransaction
from shequn.payments.wechatpay import crypto
from shequn.payments.wechatpay.config import get_config
from shequn.payments.wechatpay.sim import delivery
from shequn.payments.wechatpay.sim.keys import keys

log = logging.getLogger("shequn.payments.wechatpay.sim")

MOUNT = "/wxpaysim"
OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
TRADE_TYPES = {"jsapi": "JSAPI", "h5": "MWEB", "native": "NATIVE"}
MAX_REFUNDS = 50


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def sign_body(body: bytes, request_serial: str = "") -> dict[str, str]:
    k = keys()
    if request_serial == k.public_key_id:
        return crypto.signed_headers(k.public_key, k.public_key_id, body)
    return crypto.signed_headers(k.platform_key, k.platform_serial, body)


def _answer(status: int, payload: Any, request_serial: str) -> tuple[int, dict[str, str], bytes]:
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False,
                                                  separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Request-ID": secrets.token_hex(8),
               **sign_body(body, request_serial)}
    return status, headers, body


def _header(headers: Mapping[str, str], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name.lower():
            return str(v)
    return ""


def handle(method: str, path: str, headers: Mapping[str, str], body: bytes
           ) -> tuple[int, dict[str, str], bytes]:
    """One API call. ``path`` is the path and query as signed (with the /wxpaysim
    mount when called over HTTP)."""
    serial = _header(headers, "Wechatpay-Serial")
    try:
        cfg = get_config()
        try:
            items = crypto.verify_authorization(
                _header(headers, "Authorization"), method=method, path_and_query=path,
                body=body, key_for_serial=lambda s: (cfg.merchant_key.public_key()
                                                     if s.upper() == cfg.merchant_serial
                                                     else None))
        except crypto.VerificationError as exc:
            log.info("wxpaysim: 401 SIGN_ERROR (%s) for %s %s", exc.reason, method, path)
            raise _Refused(401, "SIGN_ERROR", f"签名错误 ({exc.reason})") from exc
        if items["mchid"] != cfg.mchid:
            raise _Refused(400, "MCH_NOT_EXISTS", "商户号不存在")
        route = urlsplit(path).path
        if route.startswith(MOUNT + "/"):
            route = route[len(MOUNT):]
        query = parse_qs(urlsplit(path).query)
        data: Any = json.loads(body) if body else {}
        status, payload = _route(method, route, query, data, cfg.mchid, cfg.appid)
    except _Refused as refused:
        return _answer(refused.status, {"code": refused.code, "message": refused.message},
                       serial)
    except ValueError:
        return _answer(400, {"code": "PARAM_ERROR", "message": "JSON格式错误"}, serial)
    result = _answer(status, payload, serial)
    delivery.deliver_due()
    return result


def _route(method: str, route: str, query: Mapping[str, list[str]], data: Any, mchid: str,
           appid: str) -> tuple[int, Any]:
    parts = route.strip("/").split("/")
    if method == "POST" and parts[:3] == ["v3", "pay", "transactions"] and len(parts) == 4 \
            and parts[3] in TRADE_TYPES:
        return _create(parts[3], data, mchid, appid)
    if parts[:4] == ["v3", "pay", "transactions", "out-trade-no"] and len(parts) >= 5:
        otn = unquote(parts[4])
        if method == "GET" and len(parts) == 5:
            if query.get("mchid", [""])[0] != mchid:
                raise _Refused(400, "PARAM_ERROR", "mchid")
            return 200, _transaction_json(_trade(mchid, otn))
        if method == "POST" and parts[5:] == ["close"]:
            _close(mchid, otn)
            return 204, None
    if method == "GET" and parts[:4] == ["v3", "pay", "transactions", "id"] and len(parts) == 5:
        trade = WxSimTransaction.objects.filter(mchid=mchid, transaction_id=parts[4]).first()
        if trade is None:
            raise _Refused(404, "ORDER_NOT_EXIST", "订单不存在")
        return 200, _transaction_json(trade)
    if parts[:4] == ["v3", "refund", "domestic", "refunds"]:
        if method == "POST" and len(parts) == 4:
            return 200, _refund_json(_refund(mchid, data))
        if method == "GET" and len(parts) == 5:
            refund = (WxSimRefund.objects.filter(trade__mchid=mchid,
                                                 out_refund_no=unquote(parts[4]))
                      .select_related("trade").first())
            if refund is None:
                raise _Refused(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            return 200, _refund_json(refund)
    raise _Refused(404, "NOT_FOUND", f"no such API: {method} {route}")


# ------------------------------------------------------------------ orders


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise _Refused(400, "PARAM_ERROR", message)


def _check_order(kind: str, data: Any, mchid: str, appid: str) -> None:
    _require(isinstance(data, dict), "body")
    if data.get("mchid") != mchid or data.get("appid") != appid:
        raise _Refused(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    desc = data.get("description")
    _require(isinstance(desc, str) and 0 < len(desc.encode()) <= 127 * 3 and len(desc) <= 127,
             "description")
    _require(isinstance(data.get("out_trade_no"), str)
             and bool(OUT_TRADE_NO.fullmatch(data["out_trade_no"])), "out_trade_no")
    url = data.get("notify_url")
    _require(isinstance(url, str) and len(url) <= 255, "notify_url")
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "testserver")
    _require((parts.scheme == "https" or (parts.scheme == "http" and loopback))
             and not parts.query and bool(parts.hostname), "notify_url")
    amount = data.get("amount")
    _require(isinstance(amount, dict) and type(amount.get("total")) is int
             and amount["total"] > 0 and amount.get("currency", "CNY") == "CNY",
             "amount.total")
    if kind == "jsapi":
        payer = data.get("payer")
        _require(isinstance(payer, dict) and isinstance(payer.get("openid"), str)
                 and bool(payer["openid"]), "payer.openid")
    if kind == "h5":
        scene = data.get("scene_info")
        _require(isinstance(scene, dict) and bool(scene.get("payer_client_ip"))
                 and isinstance(scene.get("h5_info"), dict)
                 and scene["h5_info"].get("type") in ("Wap", "iOS", "Android"),
                 "scene_info")


def _create(kind: str, data: Any, mchid: str, appid: str) -> tuple[int, Any]:
    _check_order(kind, data, mchid, appid)
    params = json.dumps({k: data.get(k) for k in ("description", "amount", "payer",
                                                  "notify_url", "attach")}, sort_keys=True)
    with transaction.atomic():
        trade = (WxSimTransaction.objects.select_for_update()
                 .filter(mchid=mchid, out_trade_no=data["out_trade_no"]).first())
        if trade is None:
            trade = WxSimTransaction.objects.create(
                mchid=mchid, appid=appid, out_trade_no=data["out_trade_no"],
                trade_type=TRADE_TYPES[kind], params=params,
                amount_total=data["amount"]["total"],
                openid=(data.get("payer") or {}).get("openid", ""),
                notify_url=data["notify_url"], prepay_id=_prepay_id(),
                created_at=clock.now())
        else:
            if trade.state == "SUCCESS" or trade.state == "REFUND":
                raise _Refused(400, "ORDERPAID", "该订单已支付")
            if trade.state == "CLOSED":
                raise _Refused(400, "ORDER_CLOSED", "订单已关闭")
            if trade.params != params:
                raise _Refused(400, "OUT_TRADE_NO_USED", "商户订单号重复")
            # Same parameters again: a fresh prepay_id for the same order (§3.3).
            trade.prepay_id = _prepay_id()
            trade.trade_type = TRADE_TYPES[kind]
            trade.save(update_fields=["prepay_id", "trade_type"])
    if kind == "jsapi":
        return 200, {"prepay_id": trade.prepay_id}
    if kind == "h5":
        return 200, {"h5_url": f"{MOUNT}/h5/{trade.prepay_id}/"}
    return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={trade.prepay_id[2:14]}"}


def _prepay_id() -> str:
    return "wx" + clock.now().strftime("%d%H%M%S") + secrets.token_hex(14)


def _trade(mchid: str, out_trade_no: str) -> WxSimTransaction:
    trade = WxSimTransaction.objects.filter(mchid=mchid, out_trade_no=out_trade_no).first()
    if trade is None:
        raise _Refused(404, "ORDER_NOT_EXIST", "订单不存在")
    return trade


def _close(mchid: str, out_trade_no: str) -> None:
    with transaction.atomic():
        trade = (WxSimTransaction.objects.select_for_update()
                 .filter(mchid=mchid, out_trade_no=out_trade_no).first())
        if trade is None:
            raise _Refused(404, "ORDER_NOT_EXIST", "订单不存在")
        if trade.state in ("SUCCESS", "REFUND"):
            raise _Refused(400, "ORDERPAID", "订单已支付")
        trade.state = "CLOSED"
        trade.save(update_fields=["state"])


def _time(value: Any) -> str:
    return value.astimezone(clock.now().tzinfo).isoformat(timespec="seconds") if value else ""


def _transaction_json(trade: WxSimTransaction) -> dict[str, Any]:
    out: dict[str, Any] = {
        "appid": trade.appid, "mchid": trade.mchid, "out_trade_no": trade.out_trade_no,
        "trade_type": trade.trade_type, "trade_state": trade.state,
        "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭",
                             "REFUND": "转入退款"}.get(trade.state, trade.state),
        "amount": {"total": trade.amount_total, "currency": "CNY"}}
    if trade.transaction_id:
        out.update({"transaction_id": trade.transaction_id, "bank_type": "OTHERS",
                    "success_time": _time(trade.success_time),
                    "payer": {"openid": trade.openid or "oSIM" + trade.out_trade_no},
                    "amount": {"total": trade.amount_total, "payer_total": trade.amount_total,
                               "currency": "CNY", "payer_currency": "CNY"}})
    return out


# ------------------------------------------------------------------ paying


def pay(prepay_id: str, openid: str = "") -> WxSimTransaction:
    """The payer confirmed: the order is paid (once) and its notification queued."""
    with transaction.atomic():
        trade = WxSimTransaction.objects.select_for_update().filter(prepay_id=prepay_id).first()
        if trade is None:
            raise _Refused(404, "ORDER_NOT_EXIST", "prepay_id")
        if trade.state == "CLOSED":
            raise _Refused(400, "ORDER_CLOSED", "订单已关闭")
        if trade.state != "NOTPAY":
            return trade
        trade.state = "SUCCESS"
        trade.transaction_id = ("4200" + clock.now().strftime("%Y%m%d")
                                + f"{secrets.randbelow(10**16):016d}")[:32]
        trade.success_time = clock.now()
        if openid and not trade.openid:
            trade.openid = openid
        trade.save()
        delivery.enqueue(trade.notify_url, "TRANSACTION.SUCCESS", trade.out_trade_no,
                         _transaction_json(trade), original_type="transaction")
    delivery.deliver_due()
    return trade


def pay_jsapi(params: Mapping[str, str]) -> str:
    """The WeixinJSBridge stand-in: verify paySign (§3.5) as WeChat does, then pay.
    Returns the bridge's ``err_msg``."""
    cfg = get_config()
    if params.get("appId") != cfg.appid or params.get("signType") != "RSA" \
            or not crypto.verify_pay_sign(cfg.merchant_key.public_key(), params):
        return "get_brand_wcpay_request:fail"
    package = str(params.get("package", ""))
    if not package.startswith("prepay_id="):
        return "get_brand_wcpay_request:fail"
    try:
        pay(package[len("prepay_id="):])
    except _Refused:
        return "get_brand_wcpay_request:fail"
    return "get_brand_wcpay_request:ok"


def prepay_for_code(code: str) -> str | None:
    trade = WxSimTransaction.objects.filter(prepay_id__startswith="wx",
                                            prepay_id__contains=code).first()
    return trade.prepay_id if trade and code and trade.prepay_id[2:14] == code else None


# ------------------------------------------------------------------ refunds


def _refund(mchid: str, data: Any) -> WxSimRefund:
    _require(isinstance(data, dict), "body")
    out_refund_no = data.get("out_refund_no")
    _require(isinstance(out_refund_no, str) and 0 < len(out_refund_no) <= 64, "out_refund_no")
    amount = data.get("amount")
    _require(isinstance(amount, dict) and type(amount.get("refund")) is int
             and type(amount.get("total")) is int and amount["refund"] > 0, "amount")
    notify_url = data.get("notify_url") or ""
    with transaction.atomic():
        trade = (WxSimTransaction.objects.select_for_update()
                 .filter(mchid=mchid, out_trade_no=data.get("out_trade_no", "")).first())
        if trade is None:
            raise _Refused(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        existing = trade.refunds.filter(out_refund_no=out_refund_no).first()
        if existing is not None:
            return existing  # a retry with the same out_refund_no refunds once
        if trade.state not in ("SUCCESS", "REFUND"):
            raise _Refused(400, "INVALID_REQUEST", "订单未支付")
        if amount["total"] != trade.amount_total:
            raise _Refused(400, "PARAM_ERROR", "订单金额与支付金额不一致")
        refunds = list(trade.refunds.exclude(status="CLOSED"))
        if len(refunds) >= MAX_REFUNDS:
            raise _Refused(403, "FREQUENCY_LIMITED", "退款次数超过限制")
        if sum(r.amount for r in refunds) + amount["refund"] > trade.amount_total:
            raise _Refused(403, "NOT_ENOUGH", "退款金额超过可退金额")
        refund = WxSimRefund.objects.create(
            trade=trade, out_refund_no=out_refund_no, amount=amount["refund"],
            refund_id="5030" + f"{secrets.randbelow(10**24):024d}", notify_url=notify_url,
            created_at=clock.now())
        trade.state = "REFUND"
        trade.save(update_fields=["state"])
        if notify_url:
            # Settled (PROCESSING → SUCCESS) when this notification is first pushed.
            delivery.enqueue(notify_url, "REFUND.SUCCESS", out_refund_no, {},
                             original_type="refund", refund=refund)
        else:
            refund.status = "SUCCESS"
            refund.success_time = clock.now()
            refund.save(update_fields=["status", "success_time"])
    return refund


def _refund_json(refund: WxSimRefund) -> dict[str, Any]:
    trade = refund.trade
    out: dict[str, Any] = {
        "refund_id": refund.refund_id, "out_refund_no": refund.out_refund_no,
        "transaction_id": trade.transaction_id, "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
        "create_time": _time(refund.created_at), "status": refund.status,
        "funds_account": "AVAILABLE",
        "amount": {"total": trade.amount_total, "refund": refund.amount,
                   "payer_total": trade.amount_total, "payer_refund": refund.amount,
                   "settlement_refund": refund.amount, "settlement_total": trade.amount_total,
                   "discount_refund": 0, "currency": "CNY", "from": []}}
    if refund.success_time:
        out["success_time"] = _time(refund.success_time)
    return out
