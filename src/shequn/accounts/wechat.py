"""WeChat Official Account web authorization (网页授权) client, over urllib.

Wire format: ``shared/specs/wechat-channel.md`` §1. Our own small client rather
than wechatpy (old, drags in requests/optionaldict/xmltodict, and we need three
calls). The HTTP call is a :data:`Transport` (URL -> body bytes) so tests and the
demo can route it to the simulator; the default is urllib with a timeout.

WeChat answers errors with HTTP 200 and ``{"errcode", "errmsg"}``; each known
errcode maps to a :class:`WeChatError` (``code``, ``message`` in the request's
language, ``message_en``), unknown ones to ``wechat_error`` with the errcode in
the detail.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from shequn.core.errors import CodedError, DomainError
from shequn.core.errors import msgid as _

log = logging.getLogger(__name__)

SCOPE_BASE = "snsapi_base"
SCOPE_USERINFO = "snsapi_userinfo"
SCOPES = (SCOPE_BASE, SCOPE_USERINFO)
TIMEOUT_SECONDS = 5.0


class WeChatError(CodedError):
    INVALID_CODE = ("wechat_invalid_code",
                    _("The WeChat sign-in code is invalid; please try again"), 400)
    CODE_USED = ("wechat_code_used",
                 _("The WeChat sign-in code was already used; please try again"), 400)
    CODE_EXPIRED = ("wechat_code_expired",
                    _("The WeChat sign-in code expired; please try again"), 400)
    MISSING_CODE = ("wechat_missing_code", _("WeChat sent no sign-in code"), 400)
    INVALID_SECRET = ("wechat_invalid_secret",
                      _("WeChat sign-in is misconfigured (AppSecret refused)"), 502)
    INVALID_APPID = ("wechat_invalid_appid",
                     _("WeChat sign-in is misconfigured (AppID refused)"), 502)
    INVALID_TOKEN = ("wechat_invalid_token",
                     _("The WeChat authorization is no longer valid; please sign in again"), 401)
    UNAUTHORIZED_API = ("wechat_unauthorized_api",
                        _("This Official Account may not use WeChat sign-in"), 502)
    QUOTA = ("wechat_quota", _("WeChat sign-in is over its quota; please try again later"), 503)
    BUSY = ("wechat_busy", _("WeChat is busy; please try again in a moment"), 503)
    UNAVAILABLE = ("wechat_unavailable",
                   _("WeChat could not be reached; please try again in a moment"), 503)
    OTHER = ("wechat_error", _("WeChat refused the sign-in"), 502)
    SNAPSHOT_USER = ("wechat_snapshot_user",
                     _("Tap “use full service” at the bottom of the page to sign in"), 403)
    STATE_MISMATCH = ("wechat_state_mismatch",
                      _("This WeChat sign-in link is invalid or was already used; "
                        "please open the page again"), 400)
    DENIED = ("wechat_denied", _("WeChat authorization was declined"), 403)
    NOT_CONFIGURED = ("wechat_not_configured", _("WeChat sign-in is not configured"), 503)


# Documented errcodes (spec §1.2).
ERRCODES: dict[int, WeChatError] = {
    40029: WeChatError.INVALID_CODE,
    40163: WeChatError.CODE_USED,
    42003: WeChatError.CODE_EXPIRED,
    41008: WeChatError.MISSING_CODE,
    40125: WeChatError.INVALID_SECRET,
    40013: WeChatError.INVALID_APPID,
    40001: WeChatError.INVALID_TOKEN,
    40003: WeChatError.INVALID_TOKEN,  # invalid openid
    40030: WeChatError.INVALID_TOKEN,
    42001: WeChatError.INVALID_TOKEN,
    42002: WeChatError.INVALID_TOKEN,
    48001: WeChatError.UNAUTHORIZED_API,
    45009: WeChatError.QUOTA,
    -1: WeChatError.BUSY,
}


def error_for(errcode: int, errmsg: str = "") -> DomainError:
    kind = ERRCODES.get(errcode, WeChatError.OTHER)
    return DomainError(kind.value, kind.en, kind.status, errcode=errcode,
                       errmsg=(errmsg or "")[:120])


Transport = Callable[[str], bytes]


def urllib_transport(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise urllib.error.URLError("only http(s) URLs")
    req = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310
        body: bytes = resp.read(1 << 20)
        return body


def local_transport(url: str) -> bytes:
    """A simulator mounted on this site (a base URL that is a path, the demo's
    ``/_sim/wechat``): its view is called in process through the URL resolver,
    never over HTTP (a server calling itself can deadlock with one worker)."""
    from django.http import HttpRequest, QueryDict
    from django.urls import Resolver404, resolve

    path, _sep, query = url.partition("?")
    try:
        match = resolve(path)
    except Resolver404:
        raise urllib.error.URLError(f"no simulator at {path}") from None
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.GET = QueryDict(query)
    request.META = {"REQUEST_METHOD": "GET", "REMOTE_ADDR": "127.0.0.1",
                    "SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    response = match.func(request, *match.args, **match.kwargs)
    return bytes(response.content)


def default_transport(url: str) -> bytes:
    return local_transport(url) if url.startswith("/") else urllib_transport(url)


@dataclass(frozen=True)
class OAuthToken:
    access_token: str
    expires_in: int
    refresh_token: str
    openid: str
    scope: str
    unionid: str = ""
    is_snapshotuser: bool = False

    @property
    def scopes(self) -> list[str]:
        return [s for s in self.scope.split(",") if s]


@dataclass(frozen=True)
class UserInfo:
    openid: str
    nickname: str
    headimgurl: str = ""
    unionid: str = ""


def mask_openid(openid: str) -> str:
    """openids are pseudonymous but still kept out of logs in full."""
    return openid[:6] + "…" if openid else "-"


class WeChatOAuthClient:
    """One Official Account's web authorization. ``oauth_base`` serves
    ``/connect/oauth2/authorize`` (open.weixin.qq.com; an absolute URL: the
    browser goes there), ``api_base`` serves ``/sns/*`` (api.weixin.qq.com; a
    bare path is the simulator on this site, called in process)."""

    def __init__(self, appid: str, secret: str, *, oauth_base: str, api_base: str,
                 transport: Transport | None = None) -> None:
        if not appid or not secret:
            raise WeChatError.NOT_CONFIGURED.error()
        self.appid = appid
        self.secret = secret
        self.oauth_base = oauth_base.rstrip("/")
        self.api_base = api_base.rstrip("/")
        self.transport = transport

    # ------------------------------------------------------------------ browser

    def authorize_url(self, redirect_uri: str, scope: str, state: str) -> str:
        """The link the buyer's browser is sent to. Parameter order as documented
        (WeChat matches the link), redirect_uri percent-encoded whole, and the
        mandatory ``#wechat_redirect``."""
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}")
        query = (f"appid={quote(self.appid, safe='')}"
                 f"&redirect_uri={quote(redirect_uri, safe='')}"
                 f"&response_type=code&scope={scope}&state={quote(state, safe='')}")
        return f"{self.oauth_base}/connect/oauth2/authorize?{query}#wechat_redirect"

    # ------------------------------------------------------------------ server

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self.api_base}{path}?{urlencode(params)}"
        transport = self.transport or default_transport
        try:
            raw = transport(url)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            log.warning("wechat %s unreachable: %s", path, type(exc).__name__)
            raise WeChatError.UNAVAILABLE.error() from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            log.warning("wechat %s answered no JSON", path)
            raise WeChatError.UNAVAILABLE.error() from exc
        if not isinstance(data, dict):
            raise WeChatError.UNAVAILABLE.error()
        errcode = int(data.get("errcode") or 0)
        if errcode:
            log.info("wechat %s errcode %s", path, errcode)
            raise error_for(errcode, str(data.get("errmsg", "")))
        return data

    def exchange_code(self, code: str) -> OAuthToken:
        """code -> user access_token + openid (+ unionid with snsapi_userinfo)."""
        if not code:
            raise WeChatError.MISSING_CODE.error()
        data = self._get("/sns/oauth2/access_token", {
            "appid": self.appid, "secret": self.secret, "code": code,
            "grant_type": "authorization_code"})
        if not data.get("openid") or not data.get("access_token"):
            raise WeChatError.OTHER.error()
        return OAuthToken(
            access_token=str(data["access_token"]), expires_in=int(data.get("expires_in", 0)),
            refresh_token=str(data.get("refresh_token", "")), openid=str(data["openid"]),
            scope=str(data.get("scope", "")), unionid=str(data.get("unionid") or ""),
            is_snapshotuser=int(data.get("is_snapshotuser") or 0) == 1)

    def user_info(self, token: OAuthToken, lang: str = "zh_CN") -> UserInfo:
        """``sns/userinfo`` (needs snsapi_userinfo)."""
        data = self._get("/sns/userinfo", {"access_token": token.access_token,
                                           "openid": token.openid, "lang": lang})
        return UserInfo(openid=str(data.get("openid", "")),
                        nickname=str(data.get("nickname", ""))[:60],
                        headimgurl=str(data.get("headimgurl", ""))[:500],
                        unionid=str(data.get("unionid") or ""))

    def check_token(self, token: OAuthToken) -> bool:
        """``sns/auth``: is the user access_token still valid?"""
        try:
            self._get("/sns/auth", {"access_token": token.access_token, "openid": token.openid})
        except DomainError as err:
            if err.code == WeChatError.INVALID_TOKEN:
                return False
            raise
        return True


def resolve_base(base: str, origin: str) -> str:
    """The authorize page's base URL for the browser; a bare path (the demo's
    ``/_sim/wechat``) is the simulator on this site, put on ``origin``
    (``scheme://host``)."""
    base = base.rstrip("/")
    if base.startswith("/"):
        return origin.rstrip("/") + base
    return base


def client_from_settings(origin: str, transport: Transport | None = None) -> WeChatOAuthClient:
    from django.conf import settings

    conf = settings.SHEQUN.get("WECHAT") or {}
    return WeChatOAuthClient(
        conf.get("APPID", ""), conf.get("APPSECRET", ""),
        oauth_base=resolve_base(conf.get("OAUTH_BASE_URL", "https://open.weixin.qq.com"), origin),
        api_base=str(conf.get("API_BASE_URL") or "https://api.weixin.qq.com"),
        transport=transport)
