"""A fake Alibaba Cloud SMS endpoint (Dysmsapi 2017-05-25 ``SendSms``) for tests
and staging: ``shequn sms-fake --port 8025``, then
``SHEQUN_ALIYUN_SMS_ENDPOINT=http://127.0.0.1:8025/`` and ``SHEQUN_SMS_PROVIDER=aliyun``.

Standard library only (no Django). specs/wechat-channel.md §5.1 and §6. Checks,
in Aliyun's order, with Aliyun's answers:

- gateway (HTTP 4xx ``{"RequestId","HostId","Code","Message","Recommend"}``):
  every common parameter present (``MissingParameter``); ``Action=SendSms``,
  ``Version=2017-05-25``, ``Format`` JSON|XML, ``SignatureMethod=HMAC-SHA1``,
  ``SignatureVersion=1.0``; ``Timestamp`` ISO 8601 UTC within 15 minutes
  (``InvalidTimeStamp.Expired``); a known ``AccessKeyId``
  (``InvalidAccessKeyId.NotFound``); the signature rebuilt per signature v1
  (``SignatureDoesNotMatch``, its message giving the string to sign); a
  ``SignatureNonce`` never seen in the last 15 minutes (``SignatureNonceUsed``);
- SendSms (HTTP 200 ``{"Code","Message","RequestId"}``): PhoneNumbers (≤1000,
  mainland numbers) ``isv.MOBILE_COUNT_OVER_LIMIT`` / ``isv.MOBILE_NUMBER_ILLEGAL``,
  blacklisted numbers ``isv.BLACK_KEY_CONTROL_LIMIT``, SignName and TemplateCode
  registered ``isv.SMS_SIGNATURE_ILLEGAL`` / ``isv.SMS_TEMPLATE_ILLEGAL``,
  TemplateParam a JSON object of strings ``isv.INVALID_JSON_PARAM`` covering the
  template's variables ``isv.TEMPLATE_MISSING_PARAMETERS``, flow control per
  SignName and number (1/min, 5/hour, 10/day, rolling) ``isv.BUSINESS_LIMIT_CONTROL``.

Success: ``{"Code":"OK","Message":"OK","BizId":"…^0","RequestId":"…"}``; the
message (rendered template) is kept in the outbox.

Faults, queued and used once each (optionally for one number only): ``timeout``
(the message IS sent, the answer comes after ``delay`` seconds, as a real
timeout can), ``http500``, ``code`` (any error ``Code``, with HTTP status).

HTTP side doors (loopback tooling, like the other simulators):
``POST /_sim/faults`` JSON ``{"kind","phone"?,"code"?,"message"?,"status"?,"delay"?,"count"?}``,
``GET /_sim/outbox`` (numbers masked), ``GET /_sim/outbox?phone=139…`` (that
number's messages with the text and the code), ``POST /_sim/reset``.
Logs show numbers masked and never the AccessKeySecret.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from shequn.accounts import aliyun_rpc

log = logging.getLogger(__name__)

DEFAULT_KEY_ID = "fake-access-key-id"
DEFAULT_KEY_SECRET = "fake-access-key-secret"
DEFAULT_SIGN_NAME = "社群"
DEFAULT_TEMPLATE_CODE = "SMS_000000001"
DEFAULT_TEMPLATE = "您的登录验证码是 ${code}，5 分钟内有效，请勿告诉他人。"
SKEW_SECONDS = 15 * 60
HOST_ID = "dysmsapi.aliyuncs.com"
COMMON = ("AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "SignatureVersion",
          "Timestamp", "Version", "Signature")
_MOBILE_RE = re.compile(r"^(?:\+86|0086|86)?(1[3-9]\d{9})$")
_ANY_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86|0086)?(1\d{10})(?!\d)")
_VAR_RE = re.compile(r"\$\{(\w+)\}")
_CODE_RE = re.compile(r"(?<!\d)(\d{4,8})(?!\d)")
_WINDOWS = (("day", 86400, "天级"), ("hour", 3600, "小时级"), ("minute", 60, "分钟级"))


def mask(phone: str) -> str:
    s = phone.strip()
    return s[:3] + "****" + s[-4:] if len(s) >= 7 else "*" * len(s)


def mask_all(text: str) -> str:
    return _ANY_MOBILE_RE.sub(lambda m: mask(m.group(1)), text)


@dataclass
class Sent:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    text: str
    out_id: str
    biz_id: str
    request_id: str
    at: float

    @property
    def code(self) -> str | None:
        if "code" in self.params:
            return self.params["code"]
        m = _CODE_RE.search(self.text)
        return m.group(1) if m else None


@dataclass
class Fault:
    kind: str  # timeout | http500 | code
    phone: str | None = None
    code: str = ""
    message: str = ""
    status: int = 200
    delay: float = 3.0


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    delay: float = 0.0


@dataclass
class FakeAliyunSms:
    """The endpoint's state and rules; :meth:`handle` answers one request."""

    keys: dict[str, str] = field(default_factory=lambda: {DEFAULT_KEY_ID: DEFAULT_KEY_SECRET})
    signs: set[str] = field(default_factory=lambda: {DEFAULT_SIGN_NAME})
    templates: dict[str, str] = field(
        default_factory=lambda: {DEFAULT_TEMPLATE_CODE: DEFAULT_TEMPLATE})
    limits: dict[str, int] = field(
        default_factory=lambda: {"minute": 1, "hour": 5, "day": 10})
    blacklist: set[str] = field(default_factory=set)
    clock: Callable[[], float] = time.time
    sent: list[Sent] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._nonces: dict[str, float] = {}
        self._windows: dict[tuple[str, str], list[float]] = {}

    # -- in-process control --------------------------------------------------

    def inject(self, kind: str, *, phone: str | None = None, code: str = "",
               message: str = "", status: int = 200, delay: float = 3.0,
               count: int = 1) -> None:
        if kind not in ("timeout", "http500", "code"):
            raise ValueError(f"unknown fault {kind!r}")
        if kind == "code" and not code:
            raise ValueError("a code fault needs its Code")
        with self._lock:
            self.faults += [Fault(kind, _bare(phone) if phone else None, code, message,
                                  status, delay) for _ in range(count)]

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.faults.clear()
            self._nonces.clear()
            self._windows.clear()
            self.requests = 0

    def outbox(self, phone: str | None = None) -> list[Sent]:
        with self._lock:
            if phone is None:
                return list(self.sent)
            bare = _bare(phone)
            return [s for s in self.sent if s.phone == bare]

    def last_code(self, phone: str) -> str | None:
        box = self.outbox(phone)
        return box[-1].code if box else None

    # -- one request -----------------------------------------------------------

    def handle(self, method: str, params: Mapping[str, str]) -> Answer:
        with self._lock:
            self.requests += 1
            refused = self._gateway(method.upper(), params)
            if refused is not None:
                return refused
            return self._send_sms(params)

    def _gateway(self, method: str, p: Mapping[str, str]) -> Answer | None:
        for name in COMMON:
            if not p.get(name):
                return _gateway_error(400, "MissingParameter",
                                      f'The input parameter "{name}" that is mandatory for '
                                      "processing this request is not supplied.")
        if p["Action"] != aliyun_rpc.ACTION:
            return _gateway_error(404, "InvalidAction.NotFound",
                                  "Specified api is not found, please check your url and method.")
        if p["Version"] != aliyun_rpc.VERSION:
            return _gateway_error(400, "InvalidVersion",
                                  "Specified parameter Version is not valid.")
        if p.get("Format", "XML").upper() not in ("JSON", "XML"):
            return _gateway_error(400, "InvalidParameter.Format",
                                  "Specified parameter Format is not valid.")
        if p["SignatureMethod"] != aliyun_rpc.SIGNATURE_METHOD:
            return _gateway_error(400, "InvalidSignatureMethod",
                                  "Specified signature method is not valid.")
        if p["SignatureVersion"] != aliyun_rpc.SIGNATURE_VERSION:
            return _gateway_error(400, "InvalidSignatureVersion",
                                  "Specified signature version is not valid.")
        try:
            sent_at = aliyun_rpc.parse_timestamp(p["Timestamp"]).timestamp()
        except ValueError:
            return _gateway_error(400, "InvalidTimeStamp.Format",
                                  "Specified time stamp or date value is not well formatted.")
        now = self.clock()
        if abs(now - sent_at) > SKEW_SECONDS:
            return _gateway_error(400, "InvalidTimeStamp.Expired",
                                  "Specified time stamp or date value is expired.")
        secret = self.keys.get(p["AccessKeyId"])
        if secret is None:
            return _gateway_error(404, "InvalidAccessKeyId.NotFound",
                                  "Specified access key is not found.")
        expected = aliyun_rpc.signature(secret, method, p)
        if not secrets.compare_digest(expected.encode(), p["Signature"].encode()):
            to_sign = aliyun_rpc.string_to_sign(method, p)
            shown = aliyun_rpc.string_to_sign(method, {**p, "TemplateParam": "(hidden)"})
            log.info("sms fake: signature mismatch; string to sign (numbers masked, "
                     "TemplateParam hidden) %s", mask_all(shown))
            return _gateway_error(400, "SignatureDoesNotMatch",
                                  "Specified signature is not matched with our calculation. "
                                  f"server string to sign is:{to_sign}")
        for nonce, at in list(self._nonces.items()):
            if now - at > SKEW_SECONDS:
                del self._nonces[nonce]
        if p["SignatureNonce"] in self._nonces:
            return _gateway_error(400, "SignatureNonceUsed",
                                  "Specified signature nonce was used already.")
        self._nonces[p["SignatureNonce"]] = now
        return None

    def _fault_for(self, phones: list[str]) -> Fault | None:
        for i, f in enumerate(self.faults):
            if f.phone is None or f.phone in phones:
                return self.faults.pop(i)
        return None

    def _send_sms(self, p: Mapping[str, str]) -> Answer:
        request_id = _request_id()
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not p.get(name):
                return _gateway_error(400, "MissingParameter",
                                      f'The input parameter "{name}" that is mandatory for '
                                      "processing this request is not supplied.")
        raw = [n.strip() for n in p["PhoneNumbers"].split(",")]
        phones_given = [_bare(n) for n in raw]
        fault = self._fault_for(phones_given)
        delay = 0.0
        if fault is not None:
            log.info("sms fake: fault %s %s", fault.kind, fault.code)
            if fault.kind == "http500":
                return Answer(500, {"RequestId": request_id, "HostId": HOST_ID,
                                    "Code": "ServiceUnavailable",
                                    "Message": "The request has failed due to a temporary "
                                               "failure of the server."})
            if fault.kind == "code":
                return Answer(fault.status, {"Code": fault.code,
                                             "Message": fault.message or fault.code,
                                             "RequestId": request_id})
            delay = fault.delay  # timeout: sent, answered late
        if len(raw) > 1000:
            return _business("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制", request_id)
        phones = []
        for n in raw:
            m = _MOBILE_RE.match(n)
            if not m:
                return _business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", request_id)
            phones.append(m.group(1))
        if any(n in self.blacklist for n in phones):
            return _business("isv.BLACK_KEY_CONTROL_LIMIT", "黑名单管控", request_id)
        sign, template_code = p["SignName"], p["TemplateCode"]
        if sign not in self.signs:
            return _business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名", request_id)
        template = self.templates.get(template_code)
        if template is None:
            return _business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板", request_id)
        try:
            values = json.loads(p.get("TemplateParam") or "{}")
        except ValueError:
            values = None
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return _business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值", request_id)
        missing = [v for v in _VAR_RE.findall(template) if v not in values]
        if missing:
            return _business("isv.TEMPLATE_MISSING_PARAMETERS",
                             "模板缺少变量: " + ",".join(missing), request_id)
        now = self.clock()
        for phone in phones:
            seen = [t for t in self._windows.get((sign, phone), []) if now - t < 86400]
            for name, seconds, words in _WINDOWS:
                limit = self.limits[name]
                if sum(1 for t in seen if now - t < seconds) >= limit:
                    log.info("sms fake: flow control (%s) for %s", name, mask(phone))
                    return _business("isv.BUSINESS_LIMIT_CONTROL",
                                     f"触发{words}流控Permits:{limit}", request_id)
        biz_id = f"{secrets.randbelow(10**15):015d}^0"
        text = f"【{sign}】" + _VAR_RE.sub(lambda m: str(values.get(m.group(1), "")), template)
        for phone in phones:
            self._windows.setdefault((sign, phone), []).append(now)
            self.sent.append(Sent(phone, sign, template_code, dict(values), text,
                                  p.get("OutId", ""), biz_id, request_id, now))
            log.info("sms fake: sent to %s (OutId %s, BizId %s)", mask(phone),
                     p.get("OutId", ""), biz_id)
        return Answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id,
                            "RequestId": request_id}, delay)


def _bare(phone: str) -> str:
    s = phone.strip()
    m = _MOBILE_RE.match(s)
    return m.group(1) if m else s


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _business(code: str, message: str, request_id: str) -> Answer:
    return Answer(200, {"Code": code, "Message": message, "RequestId": request_id})


def _gateway_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"RequestId": _request_id(), "HostId": HOST_ID, "Code": code,
                           "Message": message,
                           "Recommend": "https://api.aliyun.com/troubleshoot?q=" + code})


def _xml(body: Mapping[str, Any]) -> bytes:
    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in body.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f"<SendSmsResponse>{inner}</SendSmsResponse>").encode()


# -- HTTP -----------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAliyunSms
    server_version = "AliyunSmsFake/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the query string holds the number: no access log

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout)

    def _json(self, status: int, body: Any) -> None:
        self._reply(status, json.dumps(body, ensure_ascii=False).encode(),
                    "application/json;charset=utf-8")

    def _answer(self, params: dict[str, str], method: str) -> None:
        answer = self.fake.handle(method, params)
        if answer.delay:
            time.sleep(answer.delay)
        # Aliyun's default Format is XML; anything else unknown is answered in JSON.
        if params.get("Format", "XML").upper() == "XML":
            self._reply(answer.status, _xml(answer.body), "text/xml;charset=utf-8")
        else:
            self._json(answer.status, answer.body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_sim/outbox":
            query = dict(parse_qsl(url.query))
            phone = query.get("phone")
            box = self.fake.outbox(phone)
            if phone:
                self._json(200, [{**asdict(s), "code": s.code} for s in box])
            else:
                self._json(200, [{"to": mask(s.phone), "sign_name": s.sign_name,
                                  "template_code": s.template_code, "out_id": s.out_id,
                                  "biz_id": s.biz_id, "at": s.at} for s in box])
            return
        if url.path == "/_sim/health":
            self._json(200, {"ok": True})
            return
        self._answer(dict(parse_qsl(url.query, keep_blank_values=True)), "GET")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_sim/faults":
            try:
                spec = json.loads(self._body() or b"{}")
                self.fake.inject(str(spec.pop("kind", "")), **spec)
            except (ValueError, TypeError) as exc:
                self._json(400, {"error": str(exc)})
                return
            self._json(200, {"queued": len(self.fake.faults)})
            return
        if url.path == "/_sim/reset":
            self.fake.reset()
            self._json(200, {"reset": True})
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        params.update(parse_qsl(self._body().decode("utf-8"), keep_blank_values=True))
        self._answer(params, "POST")


class FakeServer:
    """The fake on a loopback port, in a background thread (``port=0``: a free one)."""

    def __init__(self, fake: FakeAliyunSms | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.fake = fake or FakeAliyunSms()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = host, int(self.httpd.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                        name="aliyun-sms-fake")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- shequn sms-fake ------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="shequn sms-fake",
                                description="a fake Alibaba Cloud SMS endpoint (SendSms)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8025)
    p.add_argument("--access-key-id",
                   default=env("SHEQUN_ALIYUN_SMS_ACCESS_KEY_ID") or DEFAULT_KEY_ID)
    p.add_argument("--access-key-secret", help="or SHEQUN_ALIYUN_SMS_ACCESS_KEY_SECRET",
                   default=env("SHEQUN_ALIYUN_SMS_ACCESS_KEY_SECRET") or DEFAULT_KEY_SECRET)
    p.add_argument("--sign-name", default=env("SHEQUN_ALIYUN_SMS_SIGN_NAME") or DEFAULT_SIGN_NAME)
    p.add_argument("--template-code",
                   default=env("SHEQUN_ALIYUN_SMS_TEMPLATE_CODE") or DEFAULT_TEMPLATE_CODE)
    p.add_argument("--template", default=DEFAULT_TEMPLATE,
                   help="the template's text with ${code}")
    p.add_argument("--max-per-minute", type=int, default=1)
    p.add_argument("--max-per-hour", type=int, default=5)
    p.add_argument("--max-per-day", type=int, default=10)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    fake = FakeAliyunSms(keys={args.access_key_id: args.access_key_secret},
                         signs={args.sign_name}, templates={args.template_code: args.template},
                         limits={"minute": args.max_per_minute, "hour": args.max_per_hour,
                                 "day": args.max_per_day})
    server = FakeServer(fake, args.host, args.port)
    print(f"Aliyun SMS fake on {server.url} (AccessKeyId {args.access_key_id}, "
          f"SignName {args.sign_name}, TemplateCode {args.template_code}); "
          f"outbox at {server.url}_sim/outbox", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.httpd.shutdown,
                                                              daemon=True).start())
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
