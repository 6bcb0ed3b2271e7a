"""Alibaba Cloud SMS (Dysmsapi 2017-05-25 ``SendSms``): the SMS port's real adapter.

specs/wechat-channel.md §5.1. The sign-in code goes out by template
(``SignName``, ``TemplateCode``, ``TemplateParam={"code": "123456"}``) in one signed
GET (RPC signature v1, ``aliyun_rpc``) through urllib with a timeout.

- SendSms is not idempotent: each request carries the caller's ``ref`` as
  ``OutId`` and a ref is sent at most once (kept in the cache for a day).
- A timeout is not retried (the message may have gone out): the answer is
  ``DELAYED`` and the page says the code may be late.
- Aliyun's flow control for codes (per SignName and number: 1 a minute, 5 an
  hour, 10 a day by default) is checked here first, in the shared cache, so a
  refusal costs no call; ``isv.BUSINESS_LIMIT_CONTROL`` maps to the same errors.
- Every refusal is an ``SmsError``; configuration faults (signature, template,
  keys, permissions) are logged at ERROR since only an operator can fix them.
- Logs carry phones masked only; never the AccessKeySecret, never the request
  URL (it holds the number), and provider messages with numbers masked.

Settings: ``SHEQUN["ALIYUN_SMS"]`` (settings.py; env ``SHEQUN_ALIYUN_SMS_*``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from shequn.accounts import aliyun_rpc
from shequn.accounts.errors import SmsError
from shequn.accounts.sms import DELAYED, SENT
from shequn.core import clock, pii
from shequn.core.errors import DomainError

log = logging.getLogger(__name__)

REQUIRED = ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SIGN_NAME", "TEMPLATE_CODE")
DEFAULTS: dict[str, Any] = {
    "ENDPOINT": "https://dysmsapi.aliyuncs.com/", "REGION": "cn-hangzhou",
    "MAX_PER_MINUTE": 1, "MAX_PER_HOUR": 5, "MAX_PER_DAY": 10, "TIMEOUT": 5.0,
}

_REF_SECONDS = 86400
_DAY = 86400

# Business codes (HTTP 200, ``Code`` in the body) and gateway codes (HTTP 4xx/5xx).
_NUMBER_REFUSED = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",  # 黑名单管控
})
_QUOTA = frozenset({
    "isv.AMOUNT_NOT_ENOUGH",  # 账户余额不足
    "isv.OUT_OF_SERVICE",  # 业务停机 (arrears)
    "isv.DAY_LIMIT_CONTROL",  # the account's daily sending limit
    "isv.MONTH_LIMIT_CONTROL",
})
_BUSY = frozenset({
    "isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "Throttling", "Throttling.User",
    "Throttling.Api", "ServiceUnavailable", "InternalError",
})
# Everything else (isv.SMS_SIGNATURE_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL,
# isv.SMS_SIGNATURE_SCENE_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS,
# isv.INVALID_JSON_PARAM, isv.PARAM_LENGTH_LIMIT, isv.PARAM_NOT_SUPPORT_URL,
# isv.INVALID_PARAMETERS, isv.MOBILE_COUNT_OVER_LIMIT, isv.DENY_IP_RANGE,
# isv.ACCOUNT_NOT_EXISTS, isv.ACCOUNT_ABNORMAL, isv.PRODUCT_UN_SUBSCRIPT,
# isp.RAM_PERMISSION_DENY, SignatureDoesNotMatch, InvalidAccessKeyId.NotFound,
# InvalidTimeStamp.Expired, SignatureNonceUsed, MissingParameter, unknown codes)
# is this adapter's configuration or a fault of ours: sms_unavailable, at ERROR.

_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86|0086)?(1\d{10})(?!\d)")


def scrub(text: str, limit: int = 1000) -> str:
    """``text`` (a provider message) with every mobile number masked, shortened."""
    return _MOBILE_RE.sub(lambda m: pii.mask_phone(m.group(1)), str(text))[:limit]


def flow_control_error(message: str) -> DomainError:
    """Which window an ``isv.BUSINESS_LIMIT_CONTROL`` refusal names
    (``触发分钟级流控Permits:1``, ``触发小时级流控Permits:5``, ``触发天级流控Permits:10``)."""
    m = message or ""
    if "天" in m or "day" in m.lower():
        return SmsError.WAIT_DAY.error()
    if "小时" in m or "hour" in m.lower():
        return SmsError.WAIT_HOUR.error()
    return SmsError.WAIT_MINUTE.error()


def error_for(code: str, message: str = "") -> DomainError:
    """The SmsError of a provider's ``Code`` (not ``OK``)."""
    if code == "isv.BUSINESS_LIMIT_CONTROL":
        return flow_control_error(message)
    if code in _NUMBER_REFUSED:
        return SmsError.NUMBER_REFUSED.error()
    if code in _QUOTA:
        return SmsError.QUOTA_REACHED.error()
    if code in _BUSY or code.startswith("Throttling"):
        return SmsError.BUSY.error()
    return SmsError.UNAVAILABLE.error()


class AliyunSms:
    """The SMS port over Alibaba Cloud's SendSms."""

    name = "aliyun"

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        given = settings.SHEQUN.get("ALIYUN_SMS", {}) if config is None else config
        self.config: dict[str, Any] = {**DEFAULTS, **{k: v for k, v in given.items()
                                                      if v not in (None, "")}}

    def __repr__(self) -> str:  # never the secret
        return f"AliyunSms(key_id={self.config.get('ACCESS_KEY_ID', '')!r})"

    # -- the port -------------------------------------------------------------

    def send(self, phone: str, text: str) -> None:
        """SendSms has no free text: only approved templates go out."""
        log.error("aliyun sms: free text to %s refused; messages go by template "
                  "(send_code)", pii.mask_phone(phone))
        raise SmsError.UNAVAILABLE.error()

    def send_code(self, phone: str, code: str, minutes: int, *, ref: str) -> str:
        masked = pii.mask_phone(phone)
        missing = [k for k in REQUIRED if not self.config.get(k)]
        if missing:
            log.error("aliyun sms: not configured, missing %s (SHEQUN_ALIYUN_SMS_*)",
                      ", ".join(missing))
            raise SmsError.UNAVAILABLE.error()
        if urlsplit(str(self.config["ENDPOINT"])).scheme not in ("http", "https"):
            log.error("aliyun sms: SHEQUN_ALIYUN_SMS_ENDPOINT is not an http(s) URL")
            raise SmsError.UNAVAILABLE.error()
        ref_key = "sms:ali:ref:" + ref
        if not cache.add(ref_key, "pending", _REF_SECONDS):
            # The same request again (a retried job): SendSms would send twice.
            prior = cache.get(ref_key)
            log.warning("aliyun sms: ref %s to %s already sent, not sending again", ref, masked)
            return SENT if prior == SENT else DELAYED
        phone_hash = pii.lookup_hash(phone)
        try:
            self._take_slot(phone_hash, masked)
        except DomainError:
            cache.delete(ref_key)
            raise
        try:
            status = self._call(phone, code, ref, masked)
        except DomainError as err:
            cache.delete(ref_key)
            if not err.code.startswith("sms_wait_"):
                self._release_slot(phone_hash)  # nothing went out
            raise
        cache.set(ref_key, status, _REF_SECONDS)
        return status

    # -- local flow control -----------------------------------------------------

    def _limits(self) -> list[tuple[int, int, SmsError]]:
        c = self.config
        return [(_DAY, int(c["MAX_PER_DAY"]), SmsError.WAIT_DAY),
                (3600, int(c["MAX_PER_HOUR"]), SmsError.WAIT_HOUR),
                (60, int(c["MAX_PER_MINUTE"]), SmsError.WAIT_MINUTE)]

    def _lock(self, key: str) -> bool:
        for _ in range(40):
            if cache.add(key, 1, 5):
                return True
            time.sleep(0.025)
        return False

    def _take_slot(self, phone_hash: str, masked: str) -> None:
        """Refuse when a rolling window is full, else count this send. The log of
        send times is read and written under a short cache lock."""
        key, lock = "sms:ali:sent:" + phone_hash, "sms:ali:lock:" + phone_hash
        if not self._lock(lock):
            raise SmsError.BUSY.error()
        try:
            now = clock.now().timestamp()
            sent = [t for t in (cache.get(key) or []) if now - float(t) < _DAY]
            for window, limit, error in self._limits():
                inside = sorted(t for t in sent if now - t < window)
                if len(inside) >= limit:
                    # The window has room again when the send that filled it leaves.
                    frees = inside[len(inside) - limit] + window if limit > 0 else now + window
                    log.info("aliyun sms: local flow control (%s) for %s", error.value, masked)
                    raise error.error(retry_after=max(1, math.ceil(frees - now)))
            cache.set(key, [*sent, now], _DAY + 60)
        finally:
            cache.delete(lock)

    def _release_slot(self, phone_hash: str) -> None:
        key, lock = "sms:ali:sent:" + phone_hash, "sms:ali:lock:" + phone_hash
        if not self._lock(lock):
            return
        try:
            sent = list(cache.get(key) or [])
            if sent:
                cache.set(key, sent[:-1], _DAY + 60)
        finally:
            cache.delete(lock)

    # -- the call ---------------------------------------------------------------

    def _url(self, phone: str, code: str, ref: str) -> str:
        c = self.config
        query = aliyun_rpc.signed_query(
            str(c["ACCESS_KEY_ID"]), str(c["ACCESS_KEY_SECRET"]),
            {"PhoneNumbers": phone, "SignName": str(c["SIGN_NAME"]),
             "TemplateCode": str(c["TEMPLATE_CODE"]),
             "TemplateParam": json.dumps({"code": code}, separators=(",", ":")),
             "OutId": ref},
            # The wall clock, not shequn.core.clock: Aliyun checks it against its own.
            when=dt.datetime.now(dt.UTC), region=str(c["REGION"]))
        endpoint = str(c["ENDPOINT"])
        return endpoint + ("&" if "?" in endpoint else "?") + query

    def _call(self, phone: str, code: str, ref: str, masked: str) -> str:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in send_code
            self._url(phone, code, ref), headers={"Accept": "application/json"})
        started = time.monotonic()
        try:
            timeout = float(self.config["TIMEOUT"])
            with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, _read(exc)
        except TimeoutError as exc:
            return self._timed_out(masked, ref, exc)
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                return self._timed_out(masked, ref, exc.reason)
            log.warning("aliyun sms: endpoint unreachable (%s) for %s",
                        type(exc.reason).__name__, masked)
            raise SmsError.BUSY.error() from None
        except OSError as exc:
            log.warning("aliyun sms: connection failed (%s) for %s", type(exc).__name__, masked)
            raise SmsError.BUSY.error() from None
        took = time.monotonic() - started
        try:
            body = json.loads(raw.decode("utf-8"))
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            log.warning("aliyun sms: HTTP %s with an unreadable body for %s", status, masked)
            raise (SmsError.BUSY if status >= 500 or status == 429
                   else SmsError.UNAVAILABLE).error() from None
        result = str(body.get("Code") or "")
        request_id = str(body.get("RequestId") or "")
        if status == 200 and result == "OK":
            log.info("aliyun sms: sent to %s (ref %s, BizId %s, RequestId %s, %.2fs)",
                     masked, ref, body.get("BizId", ""), request_id, took)
            return SENT
        if not result and status >= 500:
            result = "ServiceUnavailable"
        err = error_for(result, str(body.get("Message") or ""))
        # SignatureDoesNotMatch quotes the string to sign: the number and the code.
        message = scrub(str(body.get("Message") or "")).replace(code, "******")
        if err.code == SmsError.UNAVAILABLE:
            log.error("aliyun sms: refused by configuration: HTTP %s %s %r (RequestId %s) "
                      "for %s: check SHEQUN_ALIYUN_SMS_* and the console",
                      status, result, message, request_id, masked)
        else:
            log.warning("aliyun sms: refused: HTTP %s %s %r (RequestId %s) for %s -> %s",
                        status, result, message, request_id, masked, err.code)
        raise err

    def _timed_out(self, masked: str, ref: str, exc: BaseException) -> str:
        # Not retried: SendSms is not idempotent and the message may be on its way.
        log.warning("aliyun sms: no answer within %ss for %s (ref %s, %s); not retried, "
                    "the code may arrive late", self.config["TIMEOUT"], masked, ref,
                    type(exc).__name__)
        return DELAYED


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read() or b""
    except OSError:
        return b""
