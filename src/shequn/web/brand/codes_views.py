"""The brand console's codes (/brand/codes/): batches of unit codes for the
brand's own SKUs (optionally for one of its open ASNs), generated as a job with
a progress bar, downloaded as CSV or label sheets (PDF, a page range at a time)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from shequn.core.errors import DomainError
from shequn.trace import codes
from shequn.trace.models import CodeBatch
from shequn.web import codes_pages
from shequn.web.brand.access import brand_staff_only


@require_http_methods(["GET", "POST"])
@brand_staff_only
def codes_list(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    error = None
    if request.method == "POST":
        data = request.POST
        expiry = None
        try:
            if data.get("expiry"):
                expiry = dt.date.fromisoformat(data["expiry"])
            batch = codes.create_batch(
                request.user, org, sku_id=data.get("sku") or None,
                asn_line_id=data.get("asn_line") or None, lot=data.get("lot", ""),
                expiry=expiry, quantity=data.get("quantity"),
                per_carton=data.get("per_carton") or 0)
        except ValueError:
            from shequn.trace.errors import TraceError

            error = TraceError.BAD_EXPIRY.error()
        except DomainError as err:
            error = err
        else:
            return redirect("brand:codes_detail", batch_id=batch.pk)
    return render(request, "brand/codes.html", {
        "nav": "codes", "batches": codes.batches_of(org)[:100],
        "skus": codes.brand_skus(org).select_related("product"),
        "asn_lines": codes.asn_lines_for_codes(org)[:100], "error": error,
        "form": request.POST if error else {}}, status=error.status if error else 200)


@require_GET
@brand_staff_only
def codes_detail(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.detail(request, _own(request, batch_id), "brand",
                              "brand/codes_detail.html", nav="codes")


@require_GET
@brand_staff_only
def codes_csv(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.csv_download(request, _own(request, batch_id))


@require_GET
@brand_staff_only
def codes_pdf(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.pdf_download(request, _own(request, batch_id), "brand",
                                    "brand/codes_detail.html", nav="codes")


def _own(request: HttpRequest, batch_id: str) -> CodeBatch:
    try:
        return codes.batch_of(request.org, batch_id)  # type: ignore[attr-defined]
    except DomainError as err:
        raise Http404(err.code) from err


@require_GET
@brand_staff_only
def codes_cartons(request: HttpRequest, batch_id: str) -> HttpResponse:
    return codes_pages.cartons_download(request, _own(request, batch_id))


urlpatterns = [
    path("", codes_list, name="codes"),
    path("<str:batch_id>/", codes_detail, name="codes_detail"),
    path("<str:batch_id>/codes.csv", codes_csv, name="codes_csv"),
    path("<str:batch_id>/labels.pdf", codes_pdf, name="codes_pdf"),
    path("<str:batch_id>/cartons.pdf", codes_cartons, name="codes_cartons"),
]
