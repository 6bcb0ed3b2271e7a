"""Staff roles are Django groups. Buyers have no role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string

from shequn.accounts.errors import AccountError
from shequn.core.errors import CommonError
from shequn.core.httpinput import has_nul

LEADER = "leader"
BRAND_ADMIN = "brand_admin"  # manages a brand organization's staff, grants, keys
BRAND_STAFF = "brand_staff"  # products, stock, sales of their organization
WAREHOUSE_STAFF = "warehouse_staff"  # receiving, picking, packing at their warehouse
OPERATOR = "operator"
ROLES = (LEADER, BRAND_ADMIN, BRAND_STAFF, WAREHOUSE_STAFF, OPERATOR)


# Operators may look at everything in the admin; changes go through services.
_OPERATOR_VIEW_APPS = ("catalog", "inventory", "shops", "checkout", "orders", "payments",
                       "core", "accounts", "distribution", "commission", "customs", "brands",
                       "logistics")


def ensure_groups() -> None:
    from django.contrib.auth.models import Permission

    for name in ROLES:
        Group.objects.get_or_create(name=name)
    operators = Group.objects.get(name=OPERATOR)
    # One-time sign-in codes are secrets in flight: not even their rows are shown.
    operators.permissions.add(*Permission.objects.filter(
        codename__startswith="view_", content_type__app_label__in=_OPERATOR_VIEW_APPS)
        .exclude(codename="view_onetimecode"))
    operators.permissions.remove(*Permission.objects.filter(codename="view_onetimecode"))


def grant(user: Any, role: str) -> None:
    if role not in ROLES:
        raise AccountError.UNKNOWN_ROLE.error(role=role)
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)


def revoke(user: Any, role: str) -> None:
    if role not in ROLES:
        raise AccountError.UNKNOWN_ROLE.error(role=role)
    user.groups.remove(*Group.objects.filter(name=role))


def has_role(user: Any, role: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.has_role(role)


def require_role(user: Any, role: str) -> None:
    if not has_role(user, role):
        raise CommonError.FORBIDDEN.error(role=role)


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept)


def forbidden_response(request: HttpRequest, role: str) -> HttpResponse:
    err = CommonError.FORBIDDEN.error(role=role)
    if _wants_json(request):
        return JsonResponse(err.as_dict(), status=403)
    html = render_to_string("account/forbidden.html", {"role": role}, request=request)
    return HttpResponse(html, status=403)


def role_required(role: str) -> Callable:
    """View decorator: anonymous → /login/?next=…, wrong role → 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "/login/")
            if not has_role(request.user, role):
                return forbidden_response(request, role)
            if has_nul(request):  # PostgreSQL refuses NUL in a query: a 400, not a 500
                return HttpResponseBadRequest()
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
