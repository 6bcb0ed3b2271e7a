"""Who may use the brand console: brand admins and brand staff, each seeing only
their own organization (``request.org``). Operators are refused here: they have
the ops console and see everything there."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from shequn.accounts.roles import BRAND_ADMIN, BRAND_STAFF, forbidden_response, has_role
from shequn.brands import selectors

CONSOLE_ROLES = (BRAND_ADMIN, BRAND_STAFF)


def brand_console(roles: tuple[str, ...] = CONSOLE_ROLES) -> Callable:
    """View decorator: anonymous → sign-in; no brand role or no membership of an
    organization with one of ``roles`` → 403. Sets ``request.membership`` and
    ``request.org``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "/login/")
            membership = next((m for m in selectors.memberships(request.user)
                               if m.role in roles and has_role(request.user, m.role)), None)
            if membership is None:
                return forbidden_response(request, roles[0])
            request.membership = membership  # type: ignore[attr-defined]
            request.org = membership.organization  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


brand_staff_only = brand_console()
brand_admin_only = brand_console((BRAND_ADMIN,))
