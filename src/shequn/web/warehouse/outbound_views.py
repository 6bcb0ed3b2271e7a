"""Warehouse outbound pages, /warehouse/out/: released orders to pick, pick
lists (FEFO), packing (weight → label PDF), the zone exit record (出区 核放单)
and shipping at the gate. Also the carrier's route-push endpoint (secret path
token, logistics.md §2.4) and the carrier simulator's control page."""

from __future__ import annotations

import hmac
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.logistics import carrier as registry
from shequn.logistics import outbound
from shequn.logistics.models import PickList, Shipment, ZoneExit
from shequn.logistics.sim.core import SCENARIOS
from shequn.trace import packing
from shequn.web.sim.gate import simulator_page
from shequn.web.warehouse.access import warehouse_only, warehouses_for


def _error(request: HttpRequest, err: DomainError) -> HttpResponse:
    return render(request, "warehouse/out_error.html", {"nav": "outbound", "error": err},
                  status=err.status)


def _warehouse(request: HttpRequest, pk: Any) -> Any:
    return get_object_or_404(warehouses_for(request), pk=pk)


@never_cache
@warehouse_only
def index(request: HttpRequest) -> HttpResponse:
    houses = list(warehouses_for(request))
    parcels = list(outbound.released(houses))
    return render(request, "warehouse/out.html", {
        "nav": "outbound", "warehouses": houses,
        "to_pick": [s for s in parcels if s.pick_list_id is None],
        "picking": PickList.objects.filter(warehouse__in=houses, picked_at__isnull=True)
        .select_related("warehouse")[:50],
        "to_pack": [s for s in parcels if s.pick_list_id and s.pick_list
                    and s.pick_list.picked_at and not s.packed_at],
        "packed": [s for s in parcels if s.packed_at and not s.zone_exit_id],
        "exits": ZoneExit.objects.filter(warehouse__in=houses,
                                         gate_status=ZoneExit.Gate.WAITING)[:50],
        "bind_types": ZoneExit.Bind.choices,
        "carrier_sim": bool(settings.SHEQUN.get("SIMULATORS_MOUNTED")) and registry.is_embedded(),
    })


@warehouse_only
@require_POST
def create_pick(request: HttpRequest) -> HttpResponse:
    house = _warehouse(request, request.POST.get("warehouse"))
    try:
        pick = outbound.create_pick_list(request.user, house, request.POST.getlist("order"))
    except DomainError as err:
        return _error(request, err)
    return redirect("warehouse:out_pick", pk=pick.pk)


def _pick_page(request: HttpRequest, pick: PickList, *, error: DomainError | None = None,
               order_id: Any = None, field: str = "", entered: str = "") -> HttpResponse:
    """The pick / pack page; with ``error``, the refusal shown in place (next to
    the order's ``field``: "code" the unit scan, "weight" the parcel weight,
    which keeps the focus) and answered with the error's 4xx status."""
    shipments = list(pick.shipments.select_related("order").order_by("pk"))
    for s in shipments:
        # Coded goods are packed by scanning each unit into the parcel (order
        # line ↔ units), of the lots picked; lines picked from lots without
        # codes in this warehouse pack as before.
        s.trace_lines = [p for p in packing.progress(s.order) if p.coded]  # type: ignore[attr-defined]
        # The refusal of this parcel's weight or scan, shown next to its field.
        mine = error is not None and order_id is not None and str(s.order_id) == str(order_id)
        s.error = error if mine else None  # type: ignore[attr-defined]
        s.error_field = field if mine else ""  # type: ignore[attr-defined]
    return render(request, "warehouse/out_pick.html", {
        "nav": "outbound", "pick": pick,
        "lines": pick.lines.select_related("order", "sku", "batch"),
        "shipments": shipments, "error": error,
        "page_error": error if order_id is None else None, "entered": entered},
        status=error.status if error is not None else 200)


def _own_pick(request: HttpRequest, pk: Any) -> PickList:
    return get_object_or_404(PickList.objects.select_related("warehouse"), pk=pk,
                             warehouse__in=warehouses_for(request))


@never_cache
@warehouse_only
def pick_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _pick_page(request, _own_pick(request, pk))


@warehouse_only
@require_POST
def pick_done(request: HttpRequest, pk: int) -> HttpResponse:
    pick = _own_pick(request, pk)
    try:
        outbound.confirm_picked(request.user, pk)
    except DomainError as err:
        return _pick_page(request, pick, error=err)
    return redirect("warehouse:out_pick", pk=pk)


def _refused(request: HttpRequest, shipment: Shipment, err: DomainError, field: str,
             entered: str = "") -> HttpResponse:
    """A refused weight or unit scan: back on the pick list the worker was
    packing from, the error next to the field (nothing was written)."""
    if shipment.pick_list_id is None:
        return _error(request, err)
    pick = _own_pick(request, shipment.pick_list_id)
    return _pick_page(request, pick, error=err, order_id=shipment.order_id, field=field,
                      entered=entered)


@warehouse_only
@require_POST
def pack(request: HttpRequest, order_id: str) -> HttpResponse:
    shipment = get_object_or_404(Shipment, order_id=order_id,
                                 warehouse__in=warehouses_for(request))
    weight = request.POST.get("weight", "")
    try:
        packing.pack(request.user, shipment.order_id, weight)
    except DomainError as err:
        return _refused(request, shipment, err, "weight", weight[:20])
    if shipment.pick_list_id:
        return redirect("warehouse:out_pick", pk=shipment.pick_list_id)
    return redirect("warehouse:out_index")


@warehouse_only
@require_POST
def pack_scan(request: HttpRequest, order_id: str) -> HttpResponse:
    """One unit scanned into the order's parcel (a unit sold, recalled, destroyed,
    of another SKU or another warehouse is refused; nothing is written)."""
    shipment = get_object_or_404(Shipment, order_id=order_id,
                                 warehouse__in=warehouses_for(request))
    code = request.POST.get("code", "")
    try:
        unit = packing.scan_unit(request.user, shipment.order_id, code)
    except DomainError as err:
        return _refused(request, shipment, err, "code", code[:300])
    messages.success(request, f"+1 {unit.serial}")
    if shipment.pick_list_id:
        return redirect("warehouse:out_pick", pk=shipment.pick_list_id)
    return redirect("warehouse:out_index")


@never_cache
@warehouse_only
def label(request: HttpRequest, order_id: str) -> HttpResponse:
    shipment = get_object_or_404(Shipment, order_id=order_id,
                                 warehouse__in=warehouses_for(request))
    if not shipment.label_file:
        raise Http404
    response = FileResponse(shipment.label_file.open("rb"), content_type="application/pdf",
                            filename=f"{shipment.waybill_no}.pdf")
    return cast(HttpResponse, response)


@warehouse_only
@require_POST
def create_exit(request: HttpRequest) -> HttpResponse:
    house = _warehouse(request, request.POST.get("warehouse"))
    try:
        exit_ = outbound.create_exit(request.user, house, request.POST.getlist("order"),
                                     request.POST.get("vehicle", ""),
                                     request.POST.get("bind_type", "1"))
    except DomainError as err:
        return _error(request, err)
    return redirect("warehouse:out_exit", pk=exit_.pk)


@never_cache
@warehouse_only
def exit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exit_ = get_object_or_404(ZoneExit.objects.select_related("warehouse"), pk=pk,
                              warehouse__in=warehouses_for(request))
    return render(request, "warehouse/out_exit.html", {
        "nav": "outbound", "exit": exit_,
        "shipments": exit_.shipments.select_related("order").order_by("pk")})


@warehouse_only
@require_POST
def exit_ship(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(ZoneExit, pk=pk, warehouse__in=warehouses_for(request))
    try:
        outbound.ship(request.user, pk)
    except DomainError as err:
        return _error(request, err)
    return redirect("warehouse:out_exit", pk=pk)


@csrf_exempt
@require_POST
def carrier_push(request: HttpRequest, token: str) -> HttpResponse:
    """SF RoutePushService (JSON). SF signs nothing: the path token is the secret."""
    expected = str(settings.SHEQUN.get("CARRIER_PUSH_TOKEN") or "")
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404
    body, kind = outbound.receive_push(request.body, request.content_type or "")
    return HttpResponse(body, content_type=kind)


@never_cache
@simulator_page
@require_http_methods(["GET", "POST"])
def carrier_sim(request: HttpRequest) -> HttpResponse:
    """The embedded carrier simulator's control page: route scenarios per
    waybill, push what is due now, or run every route to its end."""
    if not (settings.SHEQUN.get("SIMULATORS_MOUNTED") and registry.is_embedded()):
        raise Http404
    message = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "scenario":
            try:
                registry.with_sim(lambda sim: sim.scenario(request.POST.get("waybill", ""),
                                                           request.POST.get("scenario", "")))
            except (KeyError, ValueError) as exc:
                message = str(exc)
        elif action in ("flush", "finish"):
            outbound.flush(everything=action == "finish")
        elif action == "handover":
            registry.with_sim(lambda sim: sim.handover([request.POST.get("waybill", "")],
                                                       clock.now()))
        if not message:
            return redirect("warehouse:out_carrier_sim")
    parcels = registry.with_sim(lambda sim: sim.parcels())
    return render(request, "warehouse/out_carrier_sim.html", {
        "nav": "outbound", "parcels": parcels[:100], "scenarios": SCENARIOS,
        "message": message})


urlpatterns = [
    path("", index, name="out_index"),
    path("pick/", create_pick, name="out_pick_create"),
    path("pick/<int:pk>/", pick_detail, name="out_pick"),
    path("pick/<int:pk>/done/", pick_done, name="out_pick_done"),
    path("pack/<uuid:order_id>/", pack, name="out_pack"),
    path("pack/<uuid:order_id>/scan/", pack_scan, name="out_pack_scan"),
    path("label/<uuid:order_id>.pdf", label, name="out_label"),
    path("exit/", create_exit, name="out_exit_create"),
    path("exit/<int:pk>/", exit_detail, name="out_exit"),
    path("exit/<int:pk>/ship/", exit_ship, name="out_exit_ship"),
    path("carrier-push/<str:token>/", carrier_push, name="out_carrier_push"),
    path("carrier-sim/", carrier_sim, name="out_carrier_sim"),
]
