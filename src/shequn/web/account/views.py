"""Sign-in pages: buyers by phone + SMS code, staff by username + password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequn.accounts import services
from shequn.accounts.roles import (
    BRAND_ADMIN,
    BRAND_STAFF,
    LEADER,
    OPERATOR,
    WAREHOUSE_STAFF,
    has_role,
)
from shequn.accounts.sms import DELAYED, SimulatedSms, is_simulator
from shequn.core.errors import DomainError
from shequn.core.netaddr import client_ip
from shequn.distribution.hooks import after_sign_in
from shequn.web.htmx import HtmxHttpRequest

MODES = ("phone", "password")


def _next_url(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def home_of(user: Any) -> str:
    """Where a sign-in without a ``next`` lands: each role on its console."""
    if has_role(user, OPERATOR):
        return reverse("ops:dashboard")
    if has_role(user, BRAND_ADMIN) or has_role(user, BRAND_STAFF):
        return "/brand/"
    if has_role(user, WAREHOUSE_STAFF):
        return "/warehouse/"
    if has_role(user, LEADER):
        return reverse("leader:home")
    if getattr(user, "is_staff", False):
        return reverse("admin:index")
    return "/"


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    mode = request.POST.get("mode") or request.GET.get("mode") or "phone"
    ctx: dict[str, Any] = {"mode": mode if mode in MODES else "phone",
                           "next": _next_url(request, default=""), "phone": "", "username": "",
                           "error": None, "sent": False, "demo_code": None}
    ctx.update(extra)
    return ctx


@never_cache
def login_page(request: HtmxHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "account/login.html", _ctx(request))
    mode = request.POST.get("mode", "phone")
    try:
        if mode == "password":
            services.password_sign_in(request, request.POST.get("username", ""),
                                      request.POST.get("password", ""), client_ip(request))
        else:
            user = services.verify_code(request.POST.get("phone", ""),
                                        request.POST.get("code", ""), client_ip(request))
            services.sign_in(request, user)
    except DomainError as err:
        ctx = _ctx(request, error=err, phone=request.POST.get("phone", "").strip()[:20],
                   username=request.POST.get("username", "").strip()[:150],
                   sent=mode != "password")
        return render(request, "account/login.html", ctx, status=err.status)
    after_sign_in(request.session, request.user)  # customer binding (decision 0002)
    target = _next_url(request, default=home_of(request.user))
    if request.htmx:
        resp = HttpResponse(status=204)
        resp["HX-Redirect"] = target
        return resp
    return HttpResponseRedirect(target)


@require_POST
def send_code(request: HtmxHttpRequest) -> HttpResponse:
    """Send the SMS code; answers with the status fragment for htmx."""
    raw = request.POST.get("phone", "")
    ctx = _ctx(request, phone=raw.strip()[:20])
    status = 200
    try:
        outcome = services.request_code(raw, client_ip(request))
        ctx["sent"] = True
        ctx["delayed"] = outcome == DELAYED
        if settings.SHEQUN_ENV == "demo" and is_simulator():  # never outside the demo
            ctx["demo_code"] = SimulatedSms.last_code(services.normalize_phone(raw))
    except DomainError as err:
        ctx["error"] = err
        status = err.status if not request.htmx else 200  # htmx swaps only 2xx by default
    if request.htmx:
        return render(request, "account/_code_status.html", ctx, status=status)
    return render(request, "account/login.html", ctx, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.sign_out(request)
    return redirect("/")
