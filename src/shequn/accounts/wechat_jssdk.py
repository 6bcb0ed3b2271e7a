"""WeChat JS-SDK: the basic access_token, the jsapi_ticket and ``wx.config``
signatures (specs/wechat-channel.md §2).

Both the token and the ticket are fetched from one central cache (the Django
cache: Redis outside demo, so every web process and host shares them) and kept
for their ``expires_in`` minus a safety margin. A refresh takes a lock in the
cache (an atomic ``add``), so many requests arriving on a cold cache cause one
call to WeChat; the others wait for its result. A ``getticket`` answered with
40001/42001 (token invalid/expired, e.g. rotated by another client of the same
AppID) drops the cached token and tries once more with a fresh one. After a
failed refresh the next attempt waits ``FAILURE_BACKOFF_SECONDS``: during a
WeChat outage pages render at once, without a share card.

Configuration: ``settings.SHEQUN["WECHAT"]`` with ``APPID``, ``APPSECRET`` and
``API_BASE_URL``. A base URL starting with ``/`` is a simulator mounted on this
very site (the demo's ``/_sim/wechat``): it is called in process through the URL
resolver, not over HTTP (a server calling itself can deadlock on one worker).
The secret and the token never reach a log line."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import string
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from shequn.core import clock

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
TOKEN_PATH = "/cgi-bin/token"
TICKET_PATH = "/cgi-bin/ticket/getticket"
# WeChat answers an expired or invalidated access_token with these (§2.1).
TOKEN_ERRCODES = frozenset({40001, 42001})
# Refresh this long before WeChat's expiry (a fetch elsewhere keeps the old
# token valid for 5 more minutes only), at most half the lifetime.
SAFETY_MARGIN_SECONDS = 300
# A refresh is at most three calls (getticket, token, getticket) of 5 s each.
LOCK_SECONDS = 30  # a refresh holding the lock longer than this is presumed dead
LOCK_WAIT_SECONDS = 10.0
# After a failed refresh, pages go without a share card for this long instead of
# each waiting on WeChat again (an outage must not hold every web worker).
FAILURE_BACKOFF_SECONDS = 30
HTTP_TIMEOUT_SECONDS = 5.0
SHARE_API_LIST = ("updateAppMessageShareData", "updateTimelineShareData")

# (path, params) -> the decoded JSON answer. Tests may swap it (set_transport).
Transport = Callable[[str, Mapping[str, str]], dict[str, Any]]


class WechatApiError(Exception):
    """WeChat (or the way to it) failed; ``errcode`` is WeChat's when it answered."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


def config() -> dict[str, Any]:
    return dict(settings.SHEQUN.get("WECHAT", {}) or {})


def is_configured() -> bool:
    cfg = config()
    return bool(cfg.get("APPID") and cfg.get("APPSECRET"))


# --------------------------------------------------------------------------- signature

def signature_base(jsapi_ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """``string1`` of §2.2: the four fields in ASCII order, lowercase names, raw
    values, the URL without its ``#fragment``."""
    fields = {"jsapi_ticket": jsapi_ticket, "noncestr": noncestr,
              "timestamp": str(timestamp), "url": url.split("#", 1)[0]}
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields))


def sign(jsapi_ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """Lowercase hex SHA-1 of ``signature_base`` (the ``wx.config`` signature)."""
    base = signature_base(jsapi_ticket, noncestr, timestamp, url)
    return hashlib.sha1(base.encode("utf-8")).hexdigest()  # noqa: S324 (WeChat's algorithm)


_NONCE_ALPHABET = string.ascii_letters + string.digits


def make_nonce(length: int = 16) -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class JsConfig:
    """What ``wx.config`` receives (``debug`` is added by the page script)."""

    app_id: str
    timestamp: int
    nonce_str: str
    signature: str
    js_api_list: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"appId": self.app_id, "timestamp": self.timestamp, "nonceStr": self.nonce_str,
                "signature": self.signature, "jsApiList": list(self.js_api_list)}


def js_config(url: str, js_api_list: tuple[str, ...] = SHARE_API_LIST) -> JsConfig:
    """A signed ``wx.config`` for the page at ``url`` (its fragment is dropped).
    Raises ``WechatApiError`` when the ticket cannot be had."""
    ticket = get_jsapi_ticket()
    timestamp = int(clock.now().timestamp())
    nonce = make_nonce()
    return JsConfig(app_id=str(config()["APPID"]), timestamp=timestamp, nonce_str=nonce,
                    signature=sign(ticket, nonce, timestamp, url), js_api_list=js_api_list)


# --------------------------------------------------------------------------- transport

def _local_get(path: str, params: Mapping[str, str]) -> dict[str, Any]:
    """Call a simulator view mounted on this site without going over HTTP (the
    OAuth client's in-process transport, shequn.accounts.wechat)."""
    from shequn.accounts.wechat import local_transport

    try:
        body = local_transport(f"{path}?{urlencode(dict(params))}")
    except urllib.error.URLError as exc:
        raise WechatApiError(str(exc.reason)) from None
    try:
        return dict(json.loads(body))
    except (ValueError, TypeError):
        raise WechatApiError("simulator answered a body that is not JSON") from None


def _http_get(url: str, params: Mapping[str, str]) -> dict[str, Any]:
    full = f"{url}?{urlencode(dict(params))}"
    req = urllib.request.Request(full, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_SECONDS) as resp:  # noqa: S310
            return dict(json.loads(resp.read()))
    except urllib.error.HTTPError as exc:
        raise WechatApiError(f"HTTP {exc.code} from WeChat") from None
    except (OSError, ValueError) as exc:  # URLError is an OSError; ValueError: bad JSON
        raise WechatApiError(f"WeChat unreachable: {type(exc).__name__}") from None


def default_transport(path: str, params: Mapping[str, str]) -> dict[str, Any]:
    base = str(config().get("API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/")
    if base.startswith("/"):
        return _local_get(base + path, params)
    return _http_get(base + path, params)


_transport: Transport = default_transport


def set_transport(transport: Transport | None) -> None:
    """Replace how the API is called (tests); ``None`` restores the default."""
    global _transport
    _transport = transport or default_transport


def _call(path: str, params: Mapping[str, str]) -> dict[str, Any]:
    data = _transport(path, params)
    errcode = int(data.get("errcode") or 0)
    if errcode:
        # errmsg carries no secret; the parameters (secret, token) are never logged.
        raise WechatApiError(f"{path}: {errcode} {str(data.get('errmsg', ''))[:200]}", errcode)
    return data


# --------------------------------------------------------------------------- cache

def _cache_key(kind: str) -> str:
    return f"wechat:jssdk:{config().get('APPID', '')}:{kind}"


def _fresh(entry: Any) -> str | None:
    if isinstance(entry, dict) and entry.get("value") and \
            float(entry.get("refresh_at", 0)) > clock.now().timestamp():
        return str(entry["value"])
    return None


def _check_backoff(key: str) -> None:
    failed = cache.get(key + ":failed")
    if isinstance(failed, dict) and float(failed.get("until", 0)) > clock.now().timestamp():
        raise WechatApiError("a recent refresh failed; not retrying yet", failed.get("errcode"))


def _cached(kind: str, fetch: Callable[[], tuple[str, int]]) -> str:
    """The cached ``kind`` value, or one refresh under a cache lock."""
    key = _cache_key(kind)
    value = _fresh(cache.get(key))
    if value:
        return value
    _check_backoff(key)
    lock = key + ":lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        if cache.add(lock, "1", timeout=LOCK_SECONDS):
            try:
                value = _fresh(cache.get(key))  # refreshed while we waited for the lock
                if value:
                    return value
                _check_backoff(key)  # or failed meanwhile
                try:
                    value, expires_in = fetch()
                except WechatApiError as err:
                    cache.set(key + ":failed", {
                        "until": clock.now().timestamp() + FAILURE_BACKOFF_SECONDS,
                        "errcode": err.errcode}, timeout=FAILURE_BACKOFF_SECONDS)
                    raise
                keep = max(1, expires_in - min(SAFETY_MARGIN_SECONDS, expires_in // 2))
                cache.set(key, {"value": value,
                                "refresh_at": clock.now().timestamp() + keep}, timeout=keep)
                cache.delete(key + ":failed")
                log.info("wechat %s refreshed (kept %ss)", kind, keep)
                return value
            finally:
                cache.delete(lock)
        time.sleep(0.05)
        value = _fresh(cache.get(key))
        if value:
            return value
        _check_backoff(key)
        if time.monotonic() > deadline:
            raise WechatApiError(f"timed out waiting for the {kind} refresh")


def drop_cached(*kinds: str) -> None:
    """Forget the cached token and/or ticket (``"access_token"``, ``"jsapi_ticket"``)."""
    for kind in kinds or ("access_token", "jsapi_ticket"):
        cache.delete(_cache_key(kind))


# --------------------------------------------------------------------------- API

def _fetch_access_token() -> tuple[str, int]:
    cfg = config()
    data = _call(TOKEN_PATH, {"grant_type": "client_credential", "appid": str(cfg["APPID"]),
                              "secret": str(cfg["APPSECRET"])})
    token = str(data.get("access_token") or "")
    if not token:
        raise WechatApiError("no access_token in the answer")
    return token, int(data.get("expires_in") or 7200)


def get_access_token() -> str:
    """The basic (non-OAuth) access_token of the official account."""
    if not is_configured():
        raise WechatApiError("WeChat APPID/APPSECRET are not configured")
    return _cached("access_token", _fetch_access_token)


def _fetch_ticket_once() -> tuple[str, int]:
    data = _call(TICKET_PATH, {"access_token": get_access_token(), "type": "jsapi"})
    ticket = str(data.get("ticket") or "")
    if not ticket:
        raise WechatApiError("no ticket in the answer")
    return ticket, int(data.get("expires_in") or 7200)


def _fetch_ticket() -> tuple[str, int]:
    try:
        return _fetch_ticket_once()
    except WechatApiError as err:
        if err.errcode not in TOKEN_ERRCODES:
            raise
        log.warning("wechat getticket: access_token refused (%s); refreshing it once",
                    err.errcode)
        drop_cached("access_token")
        return _fetch_ticket_once()


def get_jsapi_ticket() -> str:
    if not is_configured():
        raise WechatApiError("WeChat APPID/APPSECRET are not configured")
    return _cached("jsapi_ticket", _fetch_ticket)
