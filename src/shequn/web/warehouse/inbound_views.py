"""Warehouse pages for inbound work (phone-first; a barcode gun types the code
into the focused field and presses Enter): open ASNs, receiving with counts and
discrepancies, stock by batch with transfers and adjustments, the expiry
report, inspection of returned goods. Staff see only their operator's
warehouses (access.warehouses_for)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from shequn.core.errors import DomainError
from shequn.inventory import selectors as stock_selectors
from shequn.logistics import inbound
from shequn.logistics import inbound_selectors as reads
from shequn.logistics.models import ASN, Adjustment
from shequn.trace import codes, gs1, receiving, stock_steps
from shequn.web import line_errors
from shequn.web.warehouse.access import warehouse_only, warehouses_for

log = logging.getLogger(__name__)


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


@require_GET
@warehouse_only
def home(request: HttpRequest) -> HttpResponse:
    houses = warehouses_for(request)
    return render(request, "warehouse/home.html", {
        "nav": "home", "asns": reads.asns_for_warehouses(houses),
        "warehouses": list(houses), "returns": reads.returns_to_inspect(houses)})


def _asn_or_404(request: HttpRequest, asn_id: int) -> ASN:
    asn = reads.asn_for_warehouses(warehouses_for(request), asn_id)
    if asn is None:
        raise Http404("no such ASN here")
    return asn


def _asn_context(asn: ASN, **extra: Any) -> dict[str, Any]:
    return {"nav": "inbound", "asn": asn,
            "lines": list(asn.lines.select_related("sku__product").order_by("line_no")),
            "discrepancies": list(asn.discrepancies.select_related("line__sku")),
            "code_batches": list(codes.batches_of_asn(asn.pk)), **extra}


@require_GET
@warehouse_only
def asn_detail(request: HttpRequest, asn_id: int) -> HttpResponse:
    return render(request, "warehouse/asn.html", _asn_context(_asn_or_404(request, asn_id)))


def _lines_response(request: HttpRequest, asn: ASN, *, error: DomainError | None = None,
                    ok: str = "") -> HttpResponse:
    asn.refresh_from_db()
    # An error about one line (its counts) is shown in that line's row.
    return render(request, "warehouse/asn_lines.html",
                  _asn_context(asn, error=error, ok=ok,
                               error_line=line_errors.error_line(error),
                               error_text=line_errors.line_message(error) if error else ""),
                  status=error.status if error else 200)


def _act(request: HttpRequest, asn: ASN, work: Any, ok: Any = "") -> HttpResponse:
    error = None
    try:
        result = work()
        if callable(ok):
            ok = ok(result)
    except DomainError as err:
        log.info("warehouse asn %s refused: %s", asn.number, err.code)
        error = err
    if request.headers.get("HX-Request"):
        return _lines_response(request, asn, error=error, ok=ok)
    if error is not None:
        messages.error(request, line_errors.line_message(error))
    elif ok:
        messages.success(request, ok)
    return redirect("warehouse:asn", asn_id=asn.pk)


@require_POST
@warehouse_only
def asn_scan(request: HttpRequest, asn_id: int) -> HttpResponse:
    asn = _asn_or_404(request, asn_id)
    code = request.POST.get("code", "")
    if _serialized(code):
        # A carton (SSCC) receives every unit inside; a unit code receives that unit.
        return _act(request, asn, lambda: receiving.scan(request.user, asn.pk, code),
                    ok=lambda got: f"+{got.units} {got.line.sku.code} · {got.line.lot} → "
                                   f"{got.line.counted}")
    return _act(request, asn, lambda: inbound.scan(request.user, asn.pk, code),
                ok=lambda line: f"+1 {line.sku.code} · {line.lot} → {line.counted}")


def _serialized(code: str) -> bool:
    """A carton or unit code (Shequn's traceability), not a bare product barcode."""
    try:
        read = gs1.read(code)
    except gs1.CodeError:
        # Malformed serialized codes go to the trace path for its clear refusal.
        text = code.strip()
        return text.startswith(("http", "urn:epc", "(00)", "(01)")) or (
            text.isdigit() and len(text) == 18)
    return bool(read.sscc or read.is_unit)


@require_POST
@warehouse_only
def asn_count(request: HttpRequest, asn_id: int, line_id: int) -> HttpResponse:
    asn = _asn_or_404(request, asn_id)
    p = request.POST
    return _act(request, asn, lambda: inbound.set_count(
        request.user, asn.pk, line_id, counted=_int(p.get("counted"), -1),
        damaged=_int(p.get("damaged"), -1), reason=p.get("reason", "")))


@require_POST
@warehouse_only
def asn_wrong(request: HttpRequest, asn_id: int) -> HttpResponse:
    asn = _asn_or_404(request, asn_id)
    p = request.POST
    return _act(request, asn, lambda: inbound.record_wrong_item(
        request.user, asn.pk, code=p.get("code", ""), qty=_int(p.get("qty"), 0),
        reason=p.get("reason", "")))


@require_POST
@warehouse_only
def asn_complete(request: HttpRequest, asn_id: int) -> HttpResponse:
    asn = _asn_or_404(request, asn_id)
    try:
        inbound.complete_receipt(request.user, asn.pk)
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("warehouse:asn", asn_id=asn.pk)


@require_GET
@warehouse_only
def stock(request: HttpRequest) -> HttpResponse:
    houses = list(warehouses_for(request))
    ids = [w.pk for w in houses]
    from shequn.inventory.models import Warehouse

    return render(request, "warehouse/stock.html", {
        "nav": "stock", "warehouses": houses, "rows": stock_selectors.stock_rows(
            warehouse_ids=ids), "targets": Warehouse.objects.order_by("code"),
        "reasons": Adjustment.Reason.choices,
        "adjustments": Adjustment.objects.filter(stock__warehouse_id__in=ids)
        .select_related("stock__batch__sku", "stock__warehouse", "by")[:20]})


def _own_warehouse(request: HttpRequest, stock_id: int | None) -> Any:
    from shequn.inventory.models import Stock

    row = (Stock.objects.filter(pk=stock_id or 0, warehouse__in=warehouses_for(request))
           .select_related("warehouse").first())
    if row is None:
        raise Http404("no such stock here")
    return row


@require_POST
@warehouse_only
def stock_transfer(request: HttpRequest) -> HttpResponse:
    row = _own_warehouse(request, _int(request.POST.get("stock")))
    try:
        done = inbound.transfer(request.user, from_warehouse=row.warehouse,
                                to_warehouse_id=request.POST.get("to"),
                                lines=[(row.pk, _int(request.POST.get("qty"), 0))],
                                note=request.POST.get("note", ""))
        messages.success(request, done.number)
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("warehouse:stock")


@require_POST
@warehouse_only
def stock_adjust(request: HttpRequest) -> HttpResponse:
    row = _own_warehouse(request, _int(request.POST.get("stock")))
    try:
        # Through trace: destroyed stock destroys its coded units too (else they
        # stay "received" here, genuine on the verify page and packable).
        stock_steps.adjust(request.user, warehouse=row.warehouse, stock_id=row.pk,
                       reason=request.POST.get("reason", ""),
                       delta=_int(request.POST.get("delta"), 0),
                       note=request.POST.get("note", ""),
                       quarantine=request.POST.get("bucket") == "quarantine")
        messages.success(request, gettext("Saved."))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("warehouse:stock")


@require_GET
@warehouse_only
def expiry(request: HttpRequest) -> HttpResponse:
    days = min(max(_int(request.GET.get("days"), 90) or 90, 1), 3650)
    ids = [w.pk for w in warehouses_for(request)]
    return render(request, "warehouse/expiry.html", {
        "nav": "stock", "days": days,
        "rows": stock_selectors.expiry_report(within_days=days, warehouse_ids=ids)})


@require_POST
@warehouse_only
def return_inspect(request: HttpRequest, line_id: int) -> HttpResponse:
    try:
        # Through trace: the returned units leave the buyer's order (back in
        # stock or quarantine here), with their events.
        stock_steps.inspect_return(request.user, warehouses=warehouses_for(request),
                               line_id=line_id,
                               sellable=_int(request.POST.get("sellable"), -1),
                               damaged=_int(request.POST.get("damaged"), -1),
                               note=request.POST.get("note", ""))
        messages.success(request, gettext("Saved."))
    except DomainError as err:
        if err.status == 404:
            raise Http404("no such return here") from None
        messages.error(request, err.message)
    return redirect("warehouse:home")


urlpatterns = [
    path("", home, name="home"),
    path("asn/<int:asn_id>/", asn_detail, name="asn"),
    path("asn/<int:asn_id>/scan/", asn_scan, name="asn_scan"),
    path("asn/<int:asn_id>/lines/<int:line_id>/", asn_count, name="asn_count"),
    path("asn/<int:asn_id>/wrong/", asn_wrong, name="asn_wrong"),
    path("asn/<int:asn_id>/complete/", asn_complete, name="asn_complete"),
    path("stock/", stock, name="stock"),
    path("stock/transfer/", stock_transfer, name="stock_transfer"),
    path("stock/adjust/", stock_adjust, name="stock_adjust"),
    path("stock/expiry/", expiry, name="expiry"),
    path("returns/<int:line_id>/inspect/", return_inspect, name="return_inspect"),
]
