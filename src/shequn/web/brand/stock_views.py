"""Brand console, stock: the organization's stock by warehouse and batch (SKUs
whose product's brand or seller it is), its ASNs (create, status, cancel), the
receipts and their discrepancies, the expiry report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequn.core.errors import DomainError
from shequn.inventory import selectors as stock_selectors
from shequn.inventory.models import Warehouse
from shequn.logistics import inbound
from shequn.logistics import inbound_selectors as reads
from shequn.logistics.inbound_errors import InboundError
from shequn.web import line_errors
from shequn.web.brand.access import brand_staff_only


@require_GET
@brand_staff_only
def stock(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    return render(request, "brand/stock.html", {
        "nav": "stock", "rows": stock_selectors.stock_rows(owner_id=org.pk),
        "expiring": stock_selectors.expiry_report(within_days=90, owner_id=org.pk),
        "asns": reads.asns_of(org.pk)[:50]})


def parse_lines(text: str) -> list[tuple[int, inbound.LineIn]]:
    """One line per row: ``SKU code or GTIN, lot, expiry (YYYY-MM-DD or empty), quantity``.
    Each line comes with its row number in the text (blank rows are skipped but
    counted), which is what an error names."""
    out = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.replace("\t", ",").replace("，", ",").split(",")]
        if len(parts) != 4:
            raise InboundError.BAD_LINE.error(line=n)
        code, lot, expiry, qty = parts
        try:
            when = dt.date.fromisoformat(expiry) if expiry else None
        except ValueError:
            raise InboundError.BAD_LINE.error(line=n) from None
        try:
            units: Any = int(qty)
        except ValueError:
            raise InboundError.BAD_QTY.error(line=n, qty=qty[:20]) from None
        out.append((n, inbound.LineIn(sku=code, lot=lot, expiry=when, qty=units)))
    return out


def _in_rows(err: DomainError, rows: list[int]) -> DomainError:
    """``create_asn`` numbers the lines it was given from 1; the form's error
    names the row of the text they came from."""
    line = line_errors.error_line(err)
    if line is not None and 1 <= line <= len(rows):
        err.detail["line"] = rows[line - 1]
    return err


@require_http_methods(["GET", "POST"])
@brand_staff_only
def asn_new(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    form = request.POST if request.method == "POST" else {}
    error = None
    if request.method == "POST":
        rows: list[int] = []
        try:
            try:
                expected = dt.date.fromisoformat(form.get("expected_date", ""))
            except ValueError:
                raise InboundError.BAD_DATE.error() from None
            numbered = parse_lines(form.get("lines", ""))
            rows = [n for n, _line in numbered]
            asn = inbound.create_asn(
                request.user, org, warehouse_id=form.get("warehouse"), expected_date=expected,
                lines=[line for _n, line in numbered], ems_no=form.get("ems_no", ""),
                bond_invt_no=form.get("bond_invt_no", ""),
                reference=form.get("reference", ""), note=form.get("note", ""))
            return redirect("brand:asn", asn_id=asn.pk)
        except DomainError as err:
            error = _in_rows(err, rows) if rows else err
    return render(request, "brand/stock_asn_new.html", {
        "nav": "stock", "form": form, "error": error,
        # An error about one line is shown by the lines' field, naming the line.
        "lines_error": line_errors.line_message(error)
        if error is not None and line_errors.error_line(error) is not None else "",
        "warehouses": Warehouse.objects.order_by("code")},
        status=error.status if error else 200)


def _asn_or_404(request: HttpRequest, asn_id: int) -> Any:
    asn = reads.asn_of(request.org.pk, pk=asn_id)  # type: ignore[attr-defined]
    if asn is None:
        raise Http404("no such ASN")
    return asn


@require_GET
@brand_staff_only
def asn_detail(request: HttpRequest, asn_id: int) -> HttpResponse:
    asn = _asn_or_404(request, asn_id)
    return render(request, "brand/stock_asn.html", {
        "nav": "stock", "asn": asn,
        "lines": list(asn.lines.select_related("sku__product").order_by("line_no")),
        "discrepancies": list(asn.discrepancies.select_related("line__sku"))})


@require_POST
@brand_staff_only
def asn_cancel(request: HttpRequest, asn_id: int) -> HttpResponse:
    asn = _asn_or_404(request, asn_id)
    if asn.owner_id != request.org.pk:  # type: ignore[attr-defined]
        raise Http404("only the sender cancels an ASN")
    try:
        inbound.cancel_asn(request.user, asn.pk)
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("brand:asn", asn_id=asn.pk)


urlpatterns = [
    path("", stock, name="stock"),
    path("asns/new/", asn_new, name="asn_new"),
    path("asns/<int:asn_id>/", asn_detail, name="asn"),
    path("asns/<int:asn_id>/cancel/", asn_cancel, name="asn_cancel"),
]
