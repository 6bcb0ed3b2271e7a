"""Who may use the warehouse pages: warehouse staff of a warehouse operator
(``request.org``; they see their organization's warehouses only) and operators
(``request.org`` is None: every warehouse)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from shequn.accounts.roles import OPERATOR, WAREHOUSE_STAFF, forbidden_response, has_role
from shequn.brands import selectors
from shequn.inventory.models import Warehouse


def warehouse_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "/login/")
        org = None
        if not has_role(request.user, OPERATOR):
            membership = next((m for m in selectors.memberships(request.user)
                               if m.role == WAREHOUSE_STAFF), None)
            if membership is None or not has_role(request.user, WAREHOUSE_STAFF):
                return forbidden_response(request, WAREHOUSE_STAFF)
            org = membership.organization
        request.org = org  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def warehouses_for(request: HttpRequest) -> Any:
    """The warehouses this request may act on."""
    org = getattr(request, "org", None)
    qs = Warehouse.objects.order_by("code")
    return qs if org is None else qs.filter(operator=org)
