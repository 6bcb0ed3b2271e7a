"""The brand console's risk page (/brand/risk/): signals about the brand's own
goods only (web/risk.py); another brand's signal is a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from shequn.web import risk
from shequn.web.brand.access import brand_staff_only


@require_GET
@brand_staff_only
def risk_page(request: HttpRequest) -> HttpResponseBase:
    return risk.page(request, request.org, "brand/risk.html",  # type: ignore[attr-defined]
                     unit_orders=False)


@require_POST
@brand_staff_only
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return risk.dismiss(request, request.org, pk, "/brand/risk/")  # type: ignore[attr-defined]


urlpatterns = [
    path("", risk_page, name="risk"),
    path("<id:pk>/dismiss/", dismiss, name="risk_dismiss"),
]
