"""Sign in with WeChat (decision 0009, spec wechat-channel §1).

Inside WeChat's browser (User-Agent ``MicroMessenger``) a signed-out buyer
opening a store page is sent through ``/wechat/oauth/start?next=…``: a random,
single-use ``state`` bound to the session, then WeChat's authorize page
(``snsapi_base``: silent), then ``/wechat/oauth/callback``, which checks the
state, exchanges the code, signs the buyer in (account found or created by
openid) and returns to ``next`` (relative, same-site only: a share link's token
survives the round trip). ``session["wechat_openid"]`` holds the openid for the
WeChat Pay JSAPI payer. Outside WeChat nothing changes.

Placing an order needs a verified phone: ``/bind-phone/`` binds one once with
the SMS code (accounts.wechat_signin.bind_phone).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shequn.accounts import services, wechat_signin
from shequn.accounts.wechat import (
    SCOPE_BASE,
    SCOPE_USERINFO,
    WeChatError,
    client_from_settings,
    mask_openid,
)
from shequn.checkout.merge import merge_carts
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.core.netaddr import client_ip
from shequn.distribution.hooks import after_sign_in

log = logging.getLogger("shequn.web.wechat")

STATES_KEY = "wechat_oauth_states"  # {state: {"next", "scope", "at"}}, single use
DECLINED_KEY = "wechat_oauth_declined"  # the buyer declined: no more automatic sign-in
STATE_TTL = 600
MAX_PENDING = 5
START_PATH = "/wechat/oauth/start"
CALLBACK_PATH = "/wechat/oauth/callback"

# Buyer-store pages that sign a WeChat visitor in (everything else is left alone).
STORE_PREFIXES = ("/s/", "/t/", "/cart/", "/checkout/", "/orders/", "/me/")


def in_wechat(request: HttpRequest) -> bool:
    return "micromessenger" in request.headers.get("User-Agent", "").lower()


def configured() -> bool:
    conf = settings.SHEQUN.get("WECHAT") or {}
    return bool(conf.get("APPID") and conf.get("APPSECRET"))


def safe_next(raw: str | None) -> str:
    """Only a relative path on this site: no scheme, no host, no ``//`` or ``/\\``
    (browsers read those as another host). Anything else becomes ``/``."""
    raw = (raw or "").strip()
    if not raw:
        return "/"
    parts = urlsplit(raw)
    if (not raw.startswith("/") or raw.startswith(("//", "/\\")) or parts.scheme
            or parts.netloc or any(c in raw for c in "\r\n\t\\")
            or not url_has_allowed_host_and_scheme(raw, allowed_hosts=set())):
        log.warning("wechat oauth: next refused (not a same-site path)")
        return "/"
    return raw


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


class WeChatSignInMiddleware:
    """In WeChat's browser, a signed-out visitor of a store page signs in silently."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._wants_sign_in(request):
            return HttpResponseRedirect(
                f"{START_PATH}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _wants_sign_in(request: HttpRequest) -> bool:
        if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
            return False
        p = request.path
        if not (p == "/" or p.startswith(STORE_PREFIXES)):
            return False
        if not in_wechat(request) or not configured():
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        return not request.session.get(DECLINED_KEY)


def _refused(request: HttpRequest, err: DomainError, next_url: str = "/") -> HttpResponse:
    return render(request, "wechat/refused.html", {"error": err, "next": next_url},
                  status=err.status)


@never_cache
@require_GET
def oauth_start(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.GET.get("next"))
    if not configured():
        return _refused(request, WeChatError.NOT_CONFIGURED.error(), next_url)
    scope = SCOPE_USERINFO if request.GET.get("scope") == "userinfo" else SCOPE_BASE
    state = secrets.token_hex(16)
    now = clock.now().timestamp()
    pending = {s: v for s, v in (request.session.get(STATES_KEY) or {}).items()
               if now - float(v.get("at", 0)) < STATE_TTL}
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda s: pending[s]["at"]))
    pending[state] = {"next": next_url, "scope": scope, "at": now}
    request.session[STATES_KEY] = pending
    client = client_from_settings(_origin(request))
    url = client.authorize_url(_origin(request) + CALLBACK_PATH, scope, state)
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    pending = dict(request.session.get(STATES_KEY) or {})
    entry = pending.pop(state, None) if state else None
    if entry is None:
        # Forged, replayed or from another browser: nothing is changed.
        log.warning("wechat oauth callback refused: %s",
                    "state missing" if not state else "state mismatch or reused")
        return _refused(request, WeChatError.STATE_MISMATCH.error())
    request.session[STATES_KEY] = pending  # single use: gone before anything else
    next_url = safe_next(entry.get("next"))
    if clock.now().timestamp() - float(entry.get("at", 0)) >= STATE_TTL:
        log.warning("wechat oauth callback refused: state expired")
        return _refused(request, WeChatError.STATE_MISMATCH.error(), next_url)
    code = request.GET.get("code", "")
    if not code:  # the buyer declined the consent page
        request.session[DECLINED_KEY] = True
        log.info("wechat oauth declined by the user")
        return _refused(request, WeChatError.DENIED.error(), next_url)
    try:
        client = client_from_settings(_origin(request))
        token = client.exchange_code(code)
        info = client.user_info(token) if SCOPE_USERINFO in token.scopes else None
        user = wechat_signin.sign_in_account(client.appid, token, info, current=request.user)
    except DomainError as err:
        log.warning("wechat oauth callback refused: %s", err.code)
        if err.code in (WeChatError.SNAPSHOT_USER, WeChatError.DENIED):
            request.session[DECLINED_KEY] = True
        return _refused(request, err, next_url)
    if request.user.is_authenticated and request.user.pk != user.pk:
        # Signed in already (the pay page wanted the payer's openid, or the
        # profile round): the buyer stays who they are, with their orders.
        log.info("wechat oauth: openid %s has another account; session user kept",
                 mask_openid(token.openid))
    elif request.user.pk != user.pk:
        services.sign_in(request, user)
        after_sign_in(request.session, user)  # customer binding (decision 0002)
    request.session[wechat_signin.SESSION_OPENID] = token.openid
    request.session.pop(DECLINED_KEY, None)
    log.info("wechat oauth signed in openid %s", mask_openid(token.openid))
    return HttpResponseRedirect(next_url)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bind_phone(request: HttpRequest) -> HttpResponse:
    """Bind a verified phone to a WeChat-signed-in account, once."""
    next_url = safe_next(request.POST.get("next") or request.GET.get("next") or "/checkout/")
    user: Any = request.user
    if not wechat_signin.needs_phone(user):
        return HttpResponseRedirect(next_url)
    ctx: dict[str, Any] = {"next": next_url, "phone": "", "error": None, "sent": False,
                           "demo_code": None}
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        try:
            owner = wechat_signin.bind_phone(user, phone, request.POST.get("code", ""),
                                             client_ip(request), on_merge=merge_carts)
        except DomainError as err:
            log.info("bind phone refused: %s", err.code)
            ctx.update(error=err, phone=phone.strip()[:20], sent=True)
            return render(request, "wechat/bind_phone.html", ctx, status=err.status)
        if owner.pk != user.pk:
            services.sign_in(request, owner)  # the account this phone already had
            after_sign_in(request.session, owner)
        return HttpResponseRedirect(next_url)
    return render(request, "wechat/bind_phone.html", ctx)


@never_cache
@login_required
@require_GET
def use_wechat_profile(request: HttpRequest) -> HttpResponse:
    """"Use my WeChat nickname and avatar": the consent (snsapi_userinfo) round."""
    next_url = safe_next(request.GET.get("next") or "/me/")
    if not in_wechat(request):
        return HttpResponseRedirect(next_url)
    query = urlencode({"scope": "userinfo", "next": next_url})
    return HttpResponseRedirect(f"{START_PATH}?{query}")


urlpatterns = [
    path("wechat/oauth/start", oauth_start, name="wechat_start"),
    path("wechat/oauth/callback", oauth_callback, name="wechat_callback"),
    path("wechat/profile/", use_wechat_profile, name="wechat_profile"),
    path("bind-phone/", bind_phone, name="bind_phone"),
]
