"""The Django admin's sign-in, throttled like /login/.

The admin's own view does the authentication; around it we refuse a POST while
the (account, address) pair or its backstops are over their limits, and count
a failure whenever a POST does not end signed in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shequn.accounts import services
from shequn.accounts.errors import AccountError
from shequn.core.netaddr import client_ip


def throttled_admin_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    # Idempotent: shequn.urls wraps admin.site.login at import, and a reload of
    # the URLconf (tests switch simulators on and off) must not count each
    # failure twice.
    if getattr(view, "shequn_throttled", False):
        return view

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        username = request.POST.get("username", "")
        ip = client_ip(request)
        if services.login_blocked(username, ip):
            err = AccountError.RATE_LIMITED.error(scope="login")
            return TemplateResponse(request, "account/throttled.html", {"error": err},
                                    status=429)
        response = view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            services.login_failed(username, ip)
        return response

    wrapped.shequn_throttled = True  # type: ignore[attr-defined]
    return wrapped
