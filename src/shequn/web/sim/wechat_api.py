"""Simulator of WeChat's basic-token and JS-SDK ticket API (specs/wechat-channel.md
§2.1, §6 "JS-SDK"), mounted at /_sim/wechat/ outside production only.

- ``GET cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` →
  ``{"access_token","expires_in":7200}``. The AppID and secret are checked
  against ``settings.SHEQUN["WECHAT"]`` (40013 / 40125); each fetch issues a new
  token and leaves the previous one valid for 5 more minutes only.
- ``GET cgi-bin/ticket/getticket?access_token=…&type=jsapi`` →
  ``{"errcode":0,"errmsg":"ok","ticket","expires_in":7200}``; an unknown token
  → 40001, an expired one → 42001. The ticket stays the same until it expires.
- A day's token quota (2000) → 45009.
- ``POST faults`` (JSON, authenticated with the AppSecret) queues errcodes per
  endpoint or expires every ticket early; the same is available to tests as
  ``inject_fault`` / ``expire_tickets``.
- ``calls(endpoint)`` counts the requests (tests prove the client caches), and
  ``verify_config`` checks a page's ``wx.config`` like WeChat would.

State lives in the Django cache (Redis outside demo), so every process of a
staging deployment sees the same tokens; time is ``shequn.core.clock``."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.wechat_jssdk import sign
from shequn.core import clock

ENDPOINTS = ("token", "getticket")
EXPIRES_IN = 7200
GRACE_SECONDS = 300  # a replaced token keeps working this long (§2.1)
DAILY_TOKEN_QUOTA = 2000
_KEEP = 86400
_P = "wechat:sim:"

ERRORS: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40125: "invalid appsecret",
    40097: "invalid args",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
}


def _now() -> float:
    return clock.now().timestamp()


def _app() -> tuple[str, str]:
    cfg = settings.SHEQUN.get("WECHAT", {}) or {}
    return str(cfg.get("APPID", "")), str(cfg.get("APPSECRET", ""))


def js_domains() -> list[str]:
    """The JS安全域名 the simulated official account has (JS_DOMAIN, else the
    site's ALLOWED_HOSTS, which is what the demo and the tests serve)."""
    cfg = settings.SHEQUN.get("WECHAT", {}) or {}
    configured = [d.strip().lower() for d in str(cfg.get("JS_DOMAIN", "")).split(",")
                  if d.strip()]
    return configured or [h.lower() for h in settings.ALLOWED_HOSTS if h != "*"]


def _error(errcode: int) -> JsonResponse:
    rid = secrets.token_hex(4)
    return JsonResponse({"errcode": errcode,
                         "errmsg": f"{ERRORS.get(errcode, 'error')} rid: {rid}"})


# --------------------------------------------------------------------------- state

def _count(endpoint: str) -> None:
    key = f"{_P}calls:{endpoint}"
    cache.add(key, 0, _KEEP)
    cache.incr(key)


def calls(endpoint: str) -> int:
    """How many requests ``endpoint`` ("token", "getticket") has answered."""
    return int(cache.get(f"{_P}calls:{endpoint}") or 0)


def inject_fault(endpoint: str, errcode: int, times: int = 1) -> None:
    """The next ``times`` requests to ``endpoint`` answer ``errcode``."""
    if endpoint not in ENDPOINTS:
        raise ValueError(endpoint)
    key = f"{_P}faults:{endpoint}"
    cache.set(key, [*(cache.get(key) or []), *([int(errcode)] * times)], _KEEP)


def _take_fault(endpoint: str) -> int | None:
    key = f"{_P}faults:{endpoint}"
    queue = cache.get(key) or []
    if not queue:
        return None
    cache.set(key, queue[1:], _KEEP)
    return int(queue[0])


def expire_tickets() -> None:
    """Early ticket expiry: every issued ticket stops being valid now."""
    now = _now()
    cache.set(f"{_P}tickets",
              [{**t, "expires_at": min(t["expires_at"], now)} for t in _tickets()], _KEEP)


def _tickets() -> list[dict[str, Any]]:
    return list(cache.get(f"{_P}tickets") or [])


def reset() -> None:
    for endpoint in ENDPOINTS:
        cache.delete_many([f"{_P}calls:{endpoint}", f"{_P}faults:{endpoint}"])
    cache.delete_many([f"{_P}tickets", f"{_P}current_token"])


def _token_key(token: str) -> str:
    return f"{_P}token:{token}"


def _issue_token(appid: str) -> str:
    now = _now()
    previous = cache.get(f"{_P}current_token")
    if previous:
        entry = cache.get(_token_key(previous))
        if entry:  # the replaced token keeps working for the grace period only
            entry["expires_at"] = min(entry["expires_at"], now + GRACE_SECONDS)
            cache.set(_token_key(previous), entry, _KEEP)
    token = secrets.token_urlsafe(96)  # real tokens are ~150 characters
    cache.set(_token_key(token), {"appid": appid, "expires_at": now + EXPIRES_IN}, _KEEP)
    cache.set(f"{_P}current_token", token, _KEEP)
    return token


def _current_ticket(appid: str) -> dict[str, Any]:
    now = _now()
    tickets = [t for t in _tickets() if t["expires_at"] > now - EXPIRES_IN]  # prune
    live = [t for t in tickets if t["appid"] == appid and t["expires_at"] > now]
    if live:
        return live[-1]
    entry = {"appid": appid, "ticket": secrets.token_urlsafe(64), "expires_at": now + EXPIRES_IN}
    cache.set(f"{_P}tickets", [*tickets, entry][-20:], _KEEP)
    return entry


# --------------------------------------------------------------------------- views

@never_cache
@require_GET
def token(request: HttpRequest) -> JsonResponse:
    _count("token")
    fault = _take_fault("token")
    if fault is not None:
        return _error(fault)
    appid, secret = _app()
    if request.GET.get("grant_type") != "client_credential":
        return _error(40002)
    if not appid or request.GET.get("appid") != appid:
        return _error(40013)
    if not secrets.compare_digest(request.GET.get("secret", ""), secret):
        return _error(40125)
    quota_key = f"{_P}quota:{appid}:{clock.today().isoformat()}"
    cache.add(quota_key, 0, _KEEP)
    if cache.incr(quota_key) > DAILY_TOKEN_QUOTA:
        return _error(45009)
    return JsonResponse({"access_token": _issue_token(appid), "expires_in": EXPIRES_IN})


@never_cache
@require_GET
def getticket(request: HttpRequest) -> JsonResponse:
    _count("getticket")
    fault = _take_fault("getticket")
    if fault is not None:
        return _error(fault)
    entry = cache.get(_token_key(request.GET.get("access_token", "")))
    if not entry:
        return _error(40001)
    if entry["expires_at"] <= _now():
        return _error(42001)
    if request.GET.get("type") != "jsapi":
        return _error(40097)
    ticket = _current_ticket(entry["appid"])
    return JsonResponse({"errcode": 0, "errmsg": "ok", "ticket": ticket["ticket"],
                         "expires_in": max(1, int(ticket["expires_at"] - _now()))})


@csrf_exempt  # server-to-server JSON, authenticated with the AppSecret (no cookies)
@never_cache
@require_POST
def faults(request: HttpRequest) -> JsonResponse:
    """``{"secret", "endpoint": "token"|"getticket", "errcode", "times"}`` queues
    faults; ``{"secret", "action": "expire_tickets"}`` expires the tickets."""
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return JsonResponse({"code": "bad_json", "message": "body must be a JSON object"},
                            status=400)
    _appid, secret = _app()
    if not secret or not secrets.compare_digest(str(body.get("secret", "")), secret):
        return JsonResponse({"code": "forbidden", "message": "wrong secret"}, status=403)
    if body.get("action") == "expire_tickets":
        expire_tickets()
        return JsonResponse({"ok": True})
    try:
        inject_fault(str(body.get("endpoint")), int(body.get("errcode", "")),
                     max(1, min(int(body.get("times", 1)), 100)))
    except (TypeError, ValueError):
        return JsonResponse({"code": "bad_fault",
                             "message": f"endpoint in {ENDPOINTS}, errcode an integer"},
                            status=400)
    return JsonResponse({"ok": True})


def verify_config(url: str, signature: str, noncestr: str, timestamp: int | str) -> str:
    """What WeChat would say to ``wx.config`` on the page at ``url``: "ok",
    "invalid url domain" (a ``#`` in the URL or a host off the JS安全域名) or
    "invalid signature" (no live ticket signs it)."""
    host = (urlsplit(url).hostname or "").lower()
    if "#" in url or host not in js_domains():
        return "invalid url domain"
    now = _now()
    for entry in _tickets():
        if entry["expires_at"] > now and secrets.compare_digest(
                sign(entry["ticket"], noncestr, timestamp, url), signature):
            return "ok"
    return "invalid signature"


def share_link_allowed(link: str) -> bool:
    """A share ``link`` off the JS安全域名 fails ("link must be in js secure domain list")."""
    return (urlsplit(link).hostname or "").lower() in js_domains()


urlpatterns = [
    path("cgi-bin/token", token, name="sim_wechat_token"),
    path("cgi-bin/ticket/getticket", getticket, name="sim_wechat_getticket"),
    path("faults", faults, name="sim_wechat_faults"),
]
