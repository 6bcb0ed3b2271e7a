"""WeChat Pay API v3 client: signs each request (§3.1), verifies each 2xx
response (§3.2), speaks JSON in integer fen. The transport is HTTPS (urllib,
10 s timeout) or, with base_url "demo", the in-process simulator.

specs/wechat-channel.md §3.3 (order creation), §3.6 (query, close), §3.7 (refunds),
§3.8 (errors)."""

from __future__ import annotations

import importlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote, urlsplit

from shequn.payments.wechatpay import crypto
from shequn.payments.wechatpay.config import Config

log = logging.getLogger("shequn.payments.wechatpay")

Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]
USER_AGENT = "shequn-wechatpay/1 (+python urllib)"
TIMEOUT_SECONDS = 10


class WeChatPayError(Exception):
    """A refused or failed call: HTTP status (0 = no answer), WeChat's code and message."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        self.status, self.code, self.message = status, code, message
        super().__init__(f"{status} {code}: {message}")


def to_fen(amount: Decimal) -> int:
    """Yuan (Decimal) → integer fen, exactly: a fraction of a fen is refused."""
    fen = Decimal(amount) * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen is an integer")
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _http(method: str, url: str, headers: dict[str, str], body: bytes
          ) -> tuple[int, dict[str, str], bytes]:
    if urlsplit(url).scheme not in ("http", "https"):
        raise WeChatPayError(0, "BAD_BASE_URL", url)
    req = urllib.request.Request(url, data=body or None, method=method,  # noqa: S310
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise WeChatPayError(0, "NETWORK", str(err)) from err


def _in_process(method: str, url: str, headers: dict[str, str], body: bytes
                ) -> tuple[int, dict[str, str], bytes]:
    # By name: the simulator is loaded only in demo (and imports nothing of this).
    api = importlib.import_module("shequn.payments.wechatpay.sim.api")
    result: tuple[int, dict[str, str], bytes] = api.handle(method, url[len("demo"):],
                                                           headers, body)
    return result


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Client:
    def __init__(self, config: Config, transport: Transport | None = None) -> None:
        self.config = config
        self.transport = transport or (_in_process if config.in_process else _http)

    # ---------------------------------------------------------------- wire

    def request(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        cfg = self.config
        body = b"" if payload is None else _json(payload)
        headers = {
            "Authorization": crypto.authorization(
                mchid=cfg.mchid, serial_no=cfg.merchant_serial, private_key=cfg.merchant_key,
                method=method, path_and_query=urlsplit(cfg.base_url).path.rstrip("/") + path
                if not cfg.in_process else path, body=body),
            "Accept": "application/json", "User-Agent": USER_AGENT,
        }
        if body:
            headers["Content-Type"] = "application/json"
        if cfg.public_key_id:
            # Public-key mode: responses are then signed with that key (§3.2).
            headers["Wechatpay-Serial"] = cfg.public_key_id
        status, resp_headers, resp_body = self.transport(method, cfg.base_url + path, headers,
                                                         body)
        if 200 <= status < 300:
            try:
                crypto.verify_signed(resp_headers, resp_body, cfg.verifier)
            except crypto.VerificationError as exc:
                log.warning("wechatpay %s %s: response refused (%s)", method, path, exc.reason)
                raise WeChatPayError(status, "RESPONSE_NOT_VERIFIED", exc.reason) from exc
            return status, json.loads(resp_body) if resp_body else None
        try:
            err = json.loads(resp_body) if resp_body else {}
        except ValueError:
            err = {}
        err = err if isinstance(err, dict) else {}
        log.warning("wechatpay %s %s: %s %s", method, path, status, err.get("code", ""))
        raise WeChatPayError(status, str(err.get("code") or f"HTTP_{status}"),
                             str(err.get("message", ""))[:200])

    # ------------------------------------------------------------ orders

    def _order(self, *, out_trade_no: str, description: str, total_fen: int, notify_url: str,
               attach: str = "", time_expire: str = "") -> dict[str, Any]:
        order: dict[str, Any] = {
            "appid": self.config.appid, "mchid": self.config.mchid,
            "description": description[:127], "out_trade_no": out_trade_no,
            "notify_url": notify_url, "amount": {"total": total_fen, "currency": "CNY"}}
        if attach:
            order["attach"] = attach[:128]
        if time_expire:
            order["time_expire"] = time_expire
        return order

    def jsapi(self, *, openid: str, **order: Any) -> str:
        """The prepay_id of a JSAPI order (payer inside WeChat)."""
        _, data = self.request("POST", "/v3/pay/transactions/jsapi",
                               {**self._order(**order), "payer": {"openid": openid}})
        return str(data["prepay_id"])

    def h5(self, *, client_ip: str, h5_type: str = "Wap", **order: Any) -> str:
        """The h5_url of an H5 order (phone browser outside WeChat)."""
        _, data = self.request("POST", "/v3/pay/transactions/h5", {
            **self._order(**order),
            "scene_info": {"payer_client_ip": client_ip, "h5_info": {"type": h5_type}}})
        return str(data["h5_url"])

    def native(self, **order: Any) -> str:
        """The code_url of a Native order (shown as a QR code on a desktop)."""
        _, data = self.request("POST", "/v3/pay/transactions/native", self._order(**order))
        return str(data["code_url"])

    def query(self, out_trade_no: str) -> dict[str, Any]:
        _, data = self.request("GET", f"/v3/pay/transactions/out-trade-no/"
                                      f"{quote(out_trade_no, safe='')}?mchid={self.config.mchid}")
        return dict(data)

    def close(self, out_trade_no: str) -> None:
        self.request("POST", f"/v3/pay/transactions/out-trade-no/"
                             f"{quote(out_trade_no, safe='')}/close",
                     {"mchid": self.config.mchid})

    # ------------------------------------------------------------ refunds

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int,
               reason: str = "", notify_url: str = "") -> dict[str, Any]:
        payload: dict[str, Any] = {
            "out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"}}
        if reason:
            payload["reason"] = reason[:80]
        if notify_url:
            payload["notify_url"] = notify_url
        _, data = self.request("POST", "/v3/refund/domestic/refunds", payload)
        return dict(data)

    def query_refund(self, out_refund_no: str) -> dict[str, Any]:
        _, data = self.request("GET", "/v3/refund/domestic/refunds/"
                                      + quote(out_refund_no, safe=""))
        return dict(data)
