"""Ops: every brand's signals and the platform's resale and order-splitting
signals (/ops/risk/, web/risk.py); operators may dismiss any."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.roles import OPERATOR, role_required
from shequn.web import risk

operator_only = role_required(OPERATOR)


@require_GET
@operator_only
def risk_page(request: HttpRequest) -> HttpResponseBase:
    return risk.page(request, None, "ops/risk.html", unit_orders=True)


@require_POST
@operator_only
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return risk.dismiss(request, None, pk, "/ops/risk/")


urlpatterns = [
    path("risk/", risk_page, name="risk"),
    path("risk/<id:pk>/dismiss/", dismiss, name="risk_dismiss"),
]
