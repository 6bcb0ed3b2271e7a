"""Coding units at inbound (/warehouse/…): goods that arrive without Shequn
codes are coded by the warehouse for a line of an open ASN at one of its
warehouses (the brand is the batch's owner, as if it had coded them), with the
same progress bar, CSV and label sheets as the brand console."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from shequn.core.errors import DomainError
from shequn.trace import codes
from shequn.trace.models import CodeBatch
from shequn.web import codes_pages
from shequn.web.warehouse.access import warehouse_only, warehouses_for


@require_POST
@warehouse_only
def asn_codes(request: HttpRequest, asn_id: int) -> HttpResponse:
    """Generate codes for one line of this ASN (quantity defaults to the line's)."""
    houses = warehouses_for(request)
    line_id = request.POST.get("line", "")
    try:
        batch = codes.create_batch(
            request.user, None, asn_line_id=line_id or None,
            quantity=request.POST.get("quantity") or None,
            per_carton=request.POST.get("per_carton") or 0, warehouses=houses)
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("warehouse:asn", asn_id=asn_id)
    return redirect("warehouse:codes_detail", batch_id=batch.pk)


def _own(request: HttpRequest, batch_id: str) -> CodeBatch:
    try:
        return codes.batch_at(warehouses_for(request), batch_id)
    except DomainError as err:
        raise Http404(err.code) from err


@require_GET
@warehouse_only
def codes_detail(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.detail(request, _own(request, batch_id), "warehouse",
                              "warehouse/codes_detail.html", nav="inbound")


@require_GET
@warehouse_only
def codes_csv(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.csv_download(request, _own(request, batch_id))


@require_GET
@warehouse_only
def codes_pdf(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.pdf_download(request, _own(request, batch_id), "warehouse",
                                    "warehouse/codes_detail.html", nav="inbound")


@require_GET
@warehouse_only
def codes_cartons(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.cartons_download(request, _own(request, batch_id))


urlpatterns = [
    path("asn/<int:asn_id>/codes/", asn_codes, name="asn_codes"),
    path("codes/<str:batch_id>/", codes_detail, name="codes_detail"),
    path("codes/<str:batch_id>/codes.csv", codes_csv, name="codes_csv"),
    path("codes/<str:batch_id>/labels.pdf", codes_pdf, name="codes_pdf"),
    path("codes/<str:batch_id>/cartons.pdf", codes_cartons, name="codes_cartons"),
]
