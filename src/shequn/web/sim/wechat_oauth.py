"""WeChat Official Account web-authorization simulator (spec wechat-channel §1, §6),
mounted under ``/_sim/wechat/`` outside production (web/urls.py).

- ``connect/oauth2/authorize``: checks the link as WeChat does (parameter order,
  AppID, ``response_type=code``, scope, redirect_uri on this site's domain, the
  MicroMessenger browser); ``snsapi_base`` redirects silently, ``snsapi_userinfo``
  asks for consent (a test persona and nickname; declining returns only ``state``).
  The browser's WeChat user is a random id in a cookie (``?persona=`` picks one).
- ``sns/oauth2/access_token``, ``sns/oauth2/refresh_token``, ``sns/userinfo``,
  ``sns/auth``: the same JSON as WeChat, errors as HTTP 200 ``{errcode, errmsg}``.
  Codes are random, bound to (AppID, scope, user), single use (40163 on reuse),
  expire 5 minutes after issue (42003, by ``core.clock``); AppID/secret checked.
- ``POST sns/faults`` (JSON with the AppSecret) or :func:`inject_fault` queues
  errcodes per endpoint (-1, 45009, 40001, …) and the snapshot-page user.

State lives in the cache (Redis outside demo), so several processes share it.
The consent page is a simulator page (staff only in staging, web/sim/gate.py);
the JSON endpoints are server-to-server and check the AppSecret instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequn.core import clock
from shequn.web.sim.gate import simulator_page

CODE_TTL = 300  # seconds: WeChat's code expires 5 minutes after issue
TOKEN_TTL = 7200
REFRESH_TTL = 30 * 24 * 3600
KEEP = 24 * 3600  # how long the simulator remembers a code (so late use says 42003/40163)
USER_COOKIE = "wxsim_user"
AUTHORIZE_ORDER = ["appid", "redirect_uri", "response_type", "scope", "state"]
SCOPES = ("snsapi_base", "snsapi_userinfo")
NICKNAMES = ("小王", "李姐", "阿强", "陈妈妈", "Lily", "张老师", "老赵", "小美")


def _conf() -> dict[str, str]:
    return settings.SHEQUN.get("WECHAT") or {}


def openid_for(appid: str, user: str) -> str:
    digest = hashlib.sha256(f"openid:{appid}:{user}".encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def unionid_for(user: str) -> str:
    digest = hashlib.sha256(f"unionid:{user}".encode()).digest()
    return "o6_" + base64.urlsafe_b64encode(digest).decode()[:25]


def nickname_for(user: str) -> str:
    return NICKNAMES[int(hashlib.sha256(user.encode()).hexdigest(), 16) % len(NICKNAMES)]


def _err(errcode: int, errmsg: str) -> JsonResponse:
    rid = secrets.token_hex(4)
    return JsonResponse({"errcode": errcode, "errmsg": f"{errmsg}, rid: {rid}"},
                        json_dumps_params={"ensure_ascii": False})


def _ok(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _now() -> float:
    return clock.now().timestamp()


# --------------------------------------------------------------------------- faults

FAULT_ENDPOINTS = ("access_token", "refresh_token", "userinfo", "auth")
SNAPSHOT = 0  # as a queued "errcode" of access_token: answer as a 快照页 virtual user


def inject_fault(endpoint: str, errcode: int, times: int = 1) -> None:
    """The next ``times`` requests to ``endpoint`` answer ``errcode`` (spec §6);
    ``SNAPSHOT`` on access_token answers a snapshot-page user (``is_snapshotuser``)."""
    if endpoint not in FAULT_ENDPOINTS:
        raise ValueError(endpoint)
    key = f"wxsim:faults:{endpoint}"
    cache.set(key, [*(cache.get(key) or []), *([int(errcode)] * times)], KEEP)


def _take_fault(endpoint: str) -> int | None:
    key = f"wxsim:faults:{endpoint}"
    queue = cache.get(key) or []
    if not queue:
        return None
    cache.set(key, queue[1:], KEEP)
    return int(queue[0])


FAULT_MESSAGES = {-1: "system error", 40029: "invalid code", 40163: "code been used",
                  42003: "code expired", 40125: "invalid appsecret", 40013: "invalid appid",
                  40001: "invalid credential", 45009: "reach max api daily quota limit",
                  48001: "api unauthorized", 40030: "invalid refresh_token"}


def _fault_answer(endpoint: str) -> JsonResponse | None:
    fault = _take_fault(endpoint)
    if fault is None or fault == SNAPSHOT:
        if fault == SNAPSHOT:
            cache.set(f"wxsim:faults:{endpoint}:snapshot", 1, KEEP)
        return None
    return _err(fault, FAULT_MESSAGES.get(fault, "simulated fault"))


@csrf_exempt  # server-to-server JSON, authenticated with the AppSecret (no cookies)
@never_cache
@require_POST
def faults(request: HttpRequest) -> JsonResponse:
    """``{"secret", "endpoint": "access_token"|…, "errcode", "times"}`` queues faults
    (errcode 0 on access_token: a snapshot-page user)."""
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
        if not secrets.compare_digest(str(body.get("secret", "")),
                                      _conf().get("APPSECRET", "") or "\0"):
            return JsonResponse({"code": "forbidden", "message": "wrong secret"}, status=403)
        inject_fault(str(body.get("endpoint")), int(body.get("errcode", "")),
                     max(1, min(int(body.get("times", 1)), 100)))
    except (TypeError, ValueError):
        return JsonResponse({"code": "bad_fault", "message": f"endpoint in {FAULT_ENDPOINTS}, "
                             "errcode an integer"}, status=400)
    return JsonResponse({"ok": True})


# --------------------------------------------------------------------------- authorize

def _refuse(request: HttpRequest, errcode: int, errmsg: str) -> HttpResponse:
    # WeChat shows its own error page ("Oops! Something went wrong:(") with the code.
    return render(request, "sim/wechat_error.html", {"errcode": errcode, "errmsg": errmsg},
                  status=400)


def _issue_code(appid: str, user: str, scope: str, nickname: str) -> str:
    code = secrets.token_urlsafe(24)
    cache.set(f"wxsim:code:{code}", json.dumps({
        "appid": appid, "user": user, "scope": scope, "nickname": nickname,
        "issued": _now()}), KEEP)
    return code


def _back(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    sep = "&" if urlsplit(redirect_uri).query else "?"
    return HttpResponseRedirect(redirect_uri + sep + urlencode(params))


@never_cache
@simulator_page
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    q = request.GET
    if list(q.keys())[:5] != AUTHORIZE_ORDER and list(q.keys())[:4] != AUTHORIZE_ORDER[:4]:
        return _refuse(request, 10003, "redirect_uri参数错误 (parameter order)")
    appid, redirect_uri = q.get("appid", ""), q.get("redirect_uri", "")
    scope, state = q.get("scope", ""), q.get("state", "")
    if appid != _conf().get("APPID"):
        return _refuse(request, 10016, "不支持微信开放平台的Appid，请使用公众号Appid")
    if q.get("response_type") != "code":
        return _refuse(request, 10004, "response_type参数错误")
    if scope not in SCOPES:
        return _refuse(request, 10005, "此公众号并没有这些scope的权限")
    target = urlsplit(redirect_uri)
    if target.scheme not in ("http", "https") or target.netloc != request.get_host():
        return _refuse(request, 10003, "redirect_uri域名与后台配置不一致")
    if "micromessenger" not in request.headers.get("User-Agent", "").lower():
        return render(request, "sim/wechat_error.html",
                      {"errcode": 0, "errmsg": _("Please open this link in WeChat")}, status=403)
    user = (q.get("persona") or request.COOKIES.get(USER_COOKIE) or secrets.token_hex(8))[:40]
    nickname = nickname_for(user)
    response: HttpResponse
    if scope == "snsapi_base":
        response = _back(redirect_uri, code=_issue_code(appid, user, scope, nickname),
                         state=state)
    elif request.method == "POST":
        if request.POST.get("action") != "allow":
            response = _back(redirect_uri, state=state)  # declined: only state comes back
        else:
            nickname = (request.POST.get("nickname") or nickname).strip()[:30] or nickname
            response = _back(redirect_uri, code=_issue_code(appid, user, scope, nickname),
                             state=state)
    else:
        response = render(request, "sim/wechat_consent.html", {
            "nickname": nickname, "openid": openid_for(appid, user),
            "site": target.netloc})
    response.set_cookie(USER_COOKIE, user, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", path="/_sim/wechat/")
    return response


# --------------------------------------------------------------------------- sns API

def _check_app(request: HttpRequest) -> JsonResponse | None:
    conf = _conf()
    if request.GET.get("appid") != conf.get("APPID"):
        return _err(40013, "invalid appid")
    if not secrets.compare_digest(request.GET.get("secret", ""), conf.get("APPSECRET", "")):
        return _err(40125, "invalid appsecret")
    return None


def _issue_token(appid: str, user: str, scope: str, nickname: str) -> dict[str, Any]:
    token, refresh = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    record = {"appid": appid, "user": user, "scope": scope, "nickname": nickname}
    cache.set(f"wxsim:at:{token}", json.dumps(record), TOKEN_TTL)
    cache.set(f"wxsim:rt:{refresh}", json.dumps(record), REFRESH_TTL)
    body: dict[str, Any] = {"access_token": token, "expires_in": TOKEN_TTL,
                            "refresh_token": refresh, "openid": openid_for(appid, user),
                            "scope": scope}
    if scope == "snsapi_userinfo":
        body["unionid"] = unionid_for(user)
    return body


@never_cache
@require_GET
def access_token(request: HttpRequest) -> HttpResponse:
    refused = _check_app(request) or _fault_answer("access_token")
    if refused:
        return refused
    if request.GET.get("grant_type") != "authorization_code":
        return _err(40002, "invalid grant_type")
    code = request.GET.get("code", "")
    if not code:
        return _err(41008, "missing code")
    raw = cache.get(f"wxsim:code:{code}")
    if raw is None:
        return _err(40029, "invalid code")
    record = json.loads(raw)
    if record["appid"] != request.GET["appid"]:
        return _err(40029, "invalid code")
    if _now() - float(record["issued"]) > CODE_TTL:
        return _err(42003, "code expired")
    # Single use, atomically across processes: the first exchange takes it.
    if not cache.add(f"wxsim:used:{code}", 1, KEEP):
        return _err(40163, "code been used")
    if cache.get("wxsim:faults:access_token:snapshot"):
        cache.delete("wxsim:faults:access_token:snapshot")
        # A 快照页 virtual user: an openid of its own, never the real user's.
        body = _issue_token(record["appid"], "snapshot:" + secrets.token_hex(8),
                            "snsapi_base", "")
        body["is_snapshotuser"] = 1
        return _ok(body)
    return _ok(_issue_token(record["appid"], record["user"], record["scope"],
                            record["nickname"]))


@never_cache
@require_GET
def refresh_token(request: HttpRequest) -> HttpResponse:
    appid = request.GET.get("appid", "")
    if appid != _conf().get("APPID"):
        return _err(40013, "invalid appid")
    if (fault := _fault_answer("refresh_token")) is not None:
        return fault
    if request.GET.get("grant_type") != "refresh_token":
        return _err(40002, "invalid grant_type")
    raw = cache.get(f"wxsim:rt:{request.GET.get('refresh_token', '')}")
    if raw is None:
        return _err(40030, "invalid refresh_token")
    record = json.loads(raw)
    body = _issue_token(record["appid"], record["user"], record["scope"], record["nickname"])
    body["refresh_token"] = request.GET["refresh_token"]
    return _ok(body)


def _token_record(request: HttpRequest, endpoint: str
                  ) -> tuple[dict[str, Any] | None, JsonResponse | None]:
    if (fault := _fault_answer(endpoint)) is not None:
        return None, fault
    raw = cache.get(f"wxsim:at:{request.GET.get('access_token', '')}")
    if raw is None:
        return None, _err(40001, "invalid credential, access_token is invalid or not latest")
    record = json.loads(raw)
    if request.GET.get("openid") != openid_for(record["appid"], record["user"]):
        return None, _err(40003, "invalid openid")
    return record, None


@never_cache
@require_GET
def userinfo(request: HttpRequest) -> HttpResponse:
    record, refused = _token_record(request, "userinfo")
    if refused or record is None:
        return refused or _err(40001, "invalid credential")
    if record["scope"] != "snsapi_userinfo":
        return _err(48001, "api unauthorized")
    user = record["user"]
    return _ok({"openid": openid_for(record["appid"], user), "nickname": record["nickname"],
                "sex": 0, "province": "", "city": "", "country": "",
                "headimgurl": "https://thirdwx.qlogo.cn/mmopen/sim/"
                              + hashlib.sha256(user.encode()).hexdigest()[:16] + "/132",
                "privilege": [], "unionid": unionid_for(user)})


@never_cache
@require_GET
def auth(request: HttpRequest) -> HttpResponse:
    _record, refused = _token_record(request, "userinfo")
    return refused or _ok({"errcode": 0, "errmsg": "ok"})


urlpatterns = [
    path("connect/oauth2/authorize", authorize, name="wechat_sim_authorize"),
    path("sns/oauth2/access_token", access_token, name="wechat_sim_access_token"),
    path("sns/oauth2/refresh_token", refresh_token, name="wechat_sim_refresh_token"),
    path("sns/userinfo", userinfo, name="wechat_sim_userinfo"),
    path("sns/auth", auth, name="wechat_sim_auth"),
    path("sns/faults", faults, name="wechat_sim_sns_faults"),
]
