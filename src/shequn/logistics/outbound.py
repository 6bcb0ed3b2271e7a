"""Outbound: the carrier waybill after payment (取号), then after customs release
the pick list (FEFO), packing with the label, the zone exit record (出区 核放单)
and shipping; route pushes move the parcel and deliver the order.

Each public function is one transaction, except those that call the carrier:
they make short transactions around the call and hold no lock across it."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from shequn.accounts.roles import OPERATOR, WAREHOUSE_STAFF, has_role
from shequn.brands import selectors as brand_selectors
from shequn.core import audit, clock, pii
from shequn.core.errors import DomainError
from shequn.inventory.models import Reservation
from shequn.logistics import carrier as registry
from shequn.logistics import labels
from shequn.logistics.carriers import port
from shequn.logistics.carriers.port import CarrierRefused, RouteEvent
from shequn.logistics.models import (
    PickLine,
    PickList,
    PushLog,
    Shipment,
    TrackingEvent,
    ZoneExit,
)
from shequn.logistics.models.outbound import ParcelState
from shequn.logistics.outbound_errors import OutboundError as E
from shequn.orders import services as order_services
from shequn.orders.errors import OrderError
from shequn.orders.models import Order

log = logging.getLogger("shequn.logistics")
P = ParcelState
OS = Order.State
MAX_WEIGHT = Decimal("30")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Lock the named table's rows only (PostgreSQL refuses FOR UPDATE on the
# nullable side of the outer joins select_related adds).
SELF = ("self",)


# --------------------------------------------------------------------- access
def may_act(actor: Any, warehouse: Any) -> bool:
    """Operators act on every warehouse; warehouse staff on their organization's."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser or has_role(actor, OPERATOR):
        return True
    if warehouse.operator_id is None or not has_role(actor, WAREHOUSE_STAFF):
        return False
    m = brand_selectors.membership_of(actor, warehouse.operator_id)
    return m is not None and m.role == WAREHOUSE_STAFF


def _require(actor: Any, warehouse: Any) -> None:
    if not may_act(actor, warehouse):
        raise E.NOT_ALLOWED.error()


# --------------------------------------------------------------------- waybill
def sender(warehouse: Any) -> port.Contact:
    """Who sends a parcel: the warehouse it ships from (its name, phone and
    address), both on the label and in the carrier's order; the configured
    ``SHEQUN["CARRIER_SENDER"]`` only for a warehouse without an address (its
    phone too when the warehouse has none)."""
    s = settings.SHEQUN["CARRIER_SENDER"]
    if warehouse is None or not (warehouse.address and warehouse.province and warehouse.city):
        return port.Contact(name=s["name"], mobile=s["mobile"], province=s["province"],
                            city=s["city"], county=s["county"], address=s["address"])
    phone = re.sub(r"[\s()]", "", warehouse.phone or "")
    mobile, tel = (phone, "") if MOBILE.match(phone) else ("", phone)
    if not phone:
        mobile = s["mobile"]
    return port.Contact(name=warehouse.name, mobile=mobile, tel=tel,
                        province=warehouse.province, city=warehouse.city,
                        county=warehouse.district or warehouse.city, address=warehouse.address)


def estimated_weight(order: Order) -> Decimal:
    gross = sum((ln.sku.gross_weight_kg * ln.qty for ln in order.lines.select_related("sku")),
                Decimal(0))
    return max(gross.quantize(Decimal("0.001")), Decimal("0.001"))


def shipment_request(order: Order, weight: Decimal | None = None) -> port.ShipmentRequest:
    receiver = port.Contact(name=order.consignee, mobile=pii.decrypt(order.consignee_phone_enc),
                            province=order.province, city=order.city,
                            county=order.district or order.city, address=order.address_detail)
    cargo = tuple(port.Cargo(name=ln.name[:60], count=ln.qty) for ln in order.lines.all())
    return port.ShipmentRequest(order_id=order.number, sender=sender(order.warehouse),
                                receiver=receiver,
                                weight_kg=weight or estimated_weight(order), cargo=cargo)


def ensure_waybill(order_id: Any) -> Shipment | None:
    """取号: the carrier's waybill for a paid order, asked once (retries send the
    same orderId, so the carrier answers with the same number). None when the
    order is not paid. Raises ``OutboundError.CARRIER_REFUSED`` when the carrier
    will not take the parcel (address not served…), ``CarrierError`` when it did
    not answer (try again later)."""
    order = (Order.objects.select_related("warehouse").filter(pk=order_id).first())
    if order is None or order.state not in (OS.PAID, OS.SHIPPED, OS.DELIVERED, OS.COMPLETED):
        return None
    with transaction.atomic():
        shipment, _ = Shipment.objects.get_or_create(
            order=order, defaults={"warehouse": order.warehouse, "carrier": "sf",
                                   "created_at": clock.now()})
    if shipment.waybill_no:
        return shipment
    if shipment.state == P.REFUSED:
        raise E.CARRIER_REFUSED.error(reason=shipment.refusal, number=order.number)
    carrier = registry.get_carrier()
    # PII for the carrier: the receiver's phone goes on the waybill (logged, PIPL).
    request = shipment_request(order)
    try:
        waybill = carrier.create_order(request)   # no lock held: may take seconds
    except CarrierRefused as exc:
        with transaction.atomic():
            Shipment.objects.filter(pk=shipment.pk, waybill_no="").update(
                state=P.REFUSED, refusal=f"{exc.code} {exc.message}"[:200],
                state_at=clock.now())
            audit.record(None, "logistics.carrier_refused", order, number=order.number,
                         code=exc.code, reason=exc.message[:100])
        raise E.CARRIER_REFUSED.error(reason=exc.message, number=order.number) from exc
    with transaction.atomic():
        audit.record(None, "pii.decrypt", shipment, number=order.number,
                     purpose="carrier waybill (consignee phone)")
        now = clock.now()
        Shipment.objects.filter(pk=shipment.pk, waybill_no="").update(
            waybill_no=waybill.waybill_no, label_data=waybill.label, state=P.CREATED,
            carrier=carrier.code, waybill_at=now, state_at=now)
    shipment.refresh_from_db()
    return shipment


def waybill_no(order_id: Any) -> str:
    """The carrier waybill of the order ("" when none): customs reads it for CEB511/621."""
    return (Shipment.objects.filter(order_id=order_id).values_list("waybill_no", flat=True)
            .first() or "")


def cancel_waybill(order_id: Any) -> bool:
    """The order will not ship (refunded after a customs rejection or
    cancellation): cancel the carrier order unless the parcel left already."""
    shipment = Shipment.objects.filter(order_id=order_id).exclude(waybill_no="").first()
    if shipment is None or shipment.state != P.CREATED or shipment.shipped_at:
        return False
    registry.get_carrier().cancel(shipment.order.number)
    with transaction.atomic():
        return bool(Shipment.objects.filter(pk=shipment.pk, state=P.CREATED).update(
            state=P.CANCELLED, state_at=clock.now()))


# --------------------------------------------------------------------- picking
def released(warehouses: QuerySet[Any] | Iterable[Any]) -> QuerySet[Shipment]:
    """Parcels whose order customs released and that have not left yet."""
    return (Shipment.objects.filter(warehouse__in=warehouses, order__state=OS.PAID,
                                    order__cleared_at__isnull=False)
            .exclude(waybill_no="").select_related("order", "warehouse", "pick_list",
                                                   "zone_exit")
            .order_by("order__cleared_at"))


def fefo_lines(order: Order) -> list[tuple[Any, Any, int]]:
    """(sku, batch, qty) of the order's committed reservations, FEFO: by SKU,
    earliest expiry first (no expiry last), then batch."""
    rows = (Reservation.objects.filter(ref=order.number, state=Reservation.State.COMMITTED)
            .select_related("stock__sku", "stock__batch"))
    merged: dict[tuple[int, int], list[Any]] = {}
    for r in rows:
        key = (r.stock.sku_id, r.stock.batch_id)
        if key in merged:
            merged[key][2] += r.qty
        else:
            merged[key] = [r.stock.sku, r.stock.batch, r.qty]
    far = dt.date.max
    return [tuple(x) for x in sorted(merged.values(), key=lambda x: (  # type: ignore[misc]
        x[0].pk, x[1].expiry or far, x[1].pk))]


def _order_ids(values: Iterable[Any]) -> list[uuid.UUID]:
    """Posted order ids, each once. One that is not a UUID names no order
    (``ORDER_NOT_FOUND``): the lookup raised ValidationError, a 500."""
    out = []
    for value in values:
        try:
            out.append(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip()))
        except (TypeError, ValueError):
            raise E.ORDER_NOT_FOUND.error(order=str(value)[:40]) from None
    return list(dict.fromkeys(out))


@transaction.atomic
def create_pick_list(actor: Any, warehouse: Any, order_ids: Iterable[Any]) -> PickList:
    """A wave of released orders of ``warehouse``; lines per order and batch in
    FEFO order (then by location: the batch)."""
    _require(actor, warehouse)
    ids = _order_ids(order_ids)
    if not ids:
        raise E.NOTHING_TO_PICK.error()
    shipments = list(Shipment.objects.select_for_update(of=SELF).filter(order_id__in=ids)
                     .select_related("order").order_by("pk"))
    if len(shipments) != len(ids):
        raise E.ORDER_NOT_FOUND.error()
    for s in shipments:
        if s.warehouse_id != warehouse.pk:
            raise E.NOT_ALLOWED.error()
        if s.order.state != OS.PAID or s.order.cleared_at is None:
            raise E.NOT_RELEASED.error(number=s.order.number)
        if not s.waybill_no:
            raise E.NO_WAYBILL.error(number=s.order.number)
        if s.pick_list_id is not None:
            raise E.ALREADY_PICKING.error(number=s.order.number)
    pick = PickList.objects.create(warehouse=warehouse, created_by=actor,
                                   created_at=clock.now())
    lines = [(sku, batch, qty, s.order) for s in shipments
             for sku, batch, qty in fefo_lines(s.order)]
    far = dt.date.max
    lines.sort(key=lambda x: (x[0].pk, x[1].expiry or far, x[1].pk, x[3].number))
    PickLine.objects.bulk_create([PickLine(pick_list=pick, seq=i + 1, order=o, sku=sku,
                                           batch=batch, qty=qty)
                                  for i, (sku, batch, qty, o) in enumerate(lines)])
    Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(pick_list=pick)
    audit.record(actor, "logistics.pick_list", pick, warehouse=warehouse.code,
                 orders=len(shipments))
    return pick


@transaction.atomic
def confirm_picked(actor: Any, pick_id: Any) -> PickList:
    pick = PickList.objects.select_for_update(of=SELF).select_related("warehouse").get(pk=pick_id)
    _require(actor, pick.warehouse)
    if pick.picked_at is not None:
        raise E.ALREADY_PICKED.error()
    pick.picked_at = clock.now()
    pick.save(update_fields=["picked_at"])
    audit.record(actor, "logistics.picked", pick)
    return pick


# --------------------------------------------------------------------- packing
def parse_weight(text: Any) -> Decimal:
    try:
        weight = Decimal(str(text).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise E.BAD_WEIGHT.error() from None
    if not weight.is_finite() or weight < Decimal("0.001") or weight > MAX_WEIGHT:
        raise E.BAD_WEIGHT.error()
    return weight.quantize(Decimal("0.001"))


def label_data(shipment: Shipment) -> labels.LabelData:
    order, lab = shipment.order, shipment.label_data or {}
    frm = sender(shipment.warehouse)
    # County = city where a warehouse names no district: printed once.
    places = dict.fromkeys([frm.province, frm.city, frm.county])
    return labels.LabelData(
        waybill_no=shipment.waybill_no, order_no=order.number,
        route_label=str(lab.get("destRouteLabel", "")), product=str(lab.get("proName", "")),
        coding=str(lab.get("codingMapping", "")), qr_text=str(lab.get("twoDimensionCode", "")),
        receiver=order.consignee, receiver_phone_masked=order.consignee_phone_masked,
        receiver_address=order.address, sender=f"{frm.name} {frm.mobile or frm.tel}",
        sender_address="".join(places) + frm.address,
        cargo="；".join(f"{ln.name[:20]}×{ln.qty}" for ln in order.lines.all())[:120],
        weight_kg=shipment.weight_kg or Decimal(0),
        printed_at=clock.now().astimezone(labels_tz()).strftime("%Y-%m-%d %H:%M"))


def labels_tz() -> Any:
    from zoneinfo import ZoneInfo
    return ZoneInfo("Asia/Shanghai")


PackCheck = Callable[[Order], None]
_pack_checks: list[PackCheck] = []


def add_pack_check(check: PackCheck) -> None:
    """Layers above register what must hold before a parcel is packed (trace:
    every unit picked from a coded lot scanned into it); a check raises a
    DomainError to refuse. Every way to pack goes through ``pack``, the
    operator's one-step ``ship_order`` too, so none of them skips the unit scans."""
    if check not in _pack_checks:
        _pack_checks.append(check)


@transaction.atomic
def pack(actor: Any, order_id: Any, weight: Any) -> Shipment:
    """Weigh the picked parcel and print its label (打单: only after release)."""
    shipment = (Shipment.objects.select_for_update(of=SELF).select_related("order", "warehouse",
                                                                     "pick_list")
                .filter(order_id=order_id).first())
    if shipment is None:
        raise E.ORDER_NOT_FOUND.error()
    _require(actor, shipment.warehouse)
    kg = parse_weight(weight)
    if shipment.order.state != OS.PAID or shipment.order.cleared_at is None:
        raise E.NOT_RELEASED.error(number=shipment.order.number)
    if shipment.pick_list is None or shipment.pick_list.picked_at is None:
        raise E.NOT_PICKED.error(number=shipment.order.number)
    if shipment.zone_exit_id is not None:
        raise E.ON_EXIT.error(number=shipment.order.number)
    for check in _pack_checks:
        check(shipment.order)
    shipment.weight_kg = kg
    shipment.packed_at = clock.now()
    pdf = labels.render(label_data(shipment))
    if shipment.label_file:
        shipment.label_file.delete(save=False)
    shipment.label_file.save(f"{shipment.waybill_no}.pdf", ContentFile(pdf), save=False)
    shipment.save(update_fields=["weight_kg", "packed_at", "label_file"])
    audit.record(actor, "logistics.pack", shipment.order, number=shipment.order.number,
                 waybill=shipment.waybill_no, weight=str(kg))
    return shipment


# --------------------------------------------------------------------- exit and ship
def _passport_no(warehouse: Any, now: dt.datetime) -> str:
    base = f"HF{warehouse.customs_code or '0000'}{now:%Y%m%d}"
    n = ZoneExit.objects.filter(passport_no__startswith=base).count() + 1
    return f"{base}{n:04d}"


@transaction.atomic
def create_exit(actor: Any, warehouse: Any, order_ids: Iterable[Any], vehicle_no: str,
                bind_type: str = ZoneExit.Bind.ONE_TRUCK_MANY) -> ZoneExit:
    """出区 核放单 for a truck: the packed parcels it carries and their weight."""
    _require(actor, warehouse)
    vehicle = " ".join(str(vehicle_no or "").split()).upper()[:20]
    if not vehicle:
        raise E.BAD_VEHICLE.error()
    if bind_type not in ZoneExit.Bind.values:
        bind_type = ZoneExit.Bind.ONE_TRUCK_MANY
    ids = _order_ids(order_ids)
    shipments = list(Shipment.objects.select_for_update(of=SELF).filter(order_id__in=ids)
                     .select_related("order").order_by("pk"))
    if not ids or len(shipments) != len(ids):
        raise E.NOTHING_TO_PICK.error()
    for s in shipments:
        if s.warehouse_id != warehouse.pk:
            raise E.NOT_ALLOWED.error()
        if s.order.state != OS.PAID or s.order.cleared_at is None:
            raise E.NOT_RELEASED.error(number=s.order.number)
        if s.packed_at is None:
            raise E.NOT_PACKED.error(number=s.order.number)
        if s.zone_exit_id is not None:
            raise E.ON_EXIT.error(number=s.order.number)
    now = clock.now()
    total = sum((s.weight_kg or Decimal(0) for s in shipments), Decimal(0))
    for _attempt in range(3):
        try:
            with transaction.atomic():
                exit_ = ZoneExit.objects.create(
                    warehouse=warehouse, passport_no=_passport_no(warehouse, now),
                    bind_type=bind_type, vehicle_no=vehicle, total_gross_kg=total,
                    created_by=actor, created_at=now)
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - three concurrent exits in the same instant
        raise E.ON_EXIT.error()
    Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(zone_exit=exit_)
    audit.record(actor, "logistics.zone_exit", exit_, passport=exit_.passport_no,
                 parcels=len(shipments), kg=str(total))
    return exit_


@transaction.atomic
def _pass_gate(actor: Any, exit_id: Any) -> list[str]:
    exit_ = ZoneExit.objects.select_for_update(of=SELF).select_related("warehouse").get(pk=exit_id)
    _require(actor, exit_.warehouse)
    if exit_.gate_status == ZoneExit.Gate.PASSED:
        raise E.GATE_PASSED.error()
    now = clock.now()
    waybills = []
    for s in exit_.shipments.select_related("order").order_by("pk"):
        order_services.mark_shipped(s.order_id, actor)
        Shipment.objects.filter(pk=s.pk).update(shipped_at=now)
        waybills.append(s.waybill_no)
    exit_.gate_status, exit_.passed_at = ZoneExit.Gate.PASSED, now
    exit_.save(update_fields=["gate_status", "passed_at"])
    audit.record(actor, "logistics.gate", exit_, passport=exit_.passport_no,
                 parcels=len(waybills))
    return waybills


def ship(actor: Any, exit_id: Any) -> ZoneExit:
    """The truck passed the gate (过卡): every order on it is shipped, and the
    carrier takes the parcels over (交接; the simulator starts their routes)."""
    waybills = _pass_gate(actor, exit_id)
    handover(waybills)
    return ZoneExit.objects.get(pk=exit_id)


def handover(waybills: list[str]) -> None:
    """Hand the parcels to the carrier. SF has no call for it (the courier's scan
    is the signal); the simulator is told, so its route script starts."""
    if not waybills or not registry.is_simulator():
        return
    if registry.is_embedded():
        registry.with_sim(lambda sim: sim.handover(waybills, clock.now()))
        return
    import urllib.request
    url = str(settings.SHEQUN["CARRIER_SIM_URL"]).rstrip("/") + "/_sim/handover"
    req = urllib.request.Request(url, data=json.dumps({"waybills": waybills}).encode(),  # noqa: S310
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310
            resp.read()
    except OSError as exc:  # the simulator starts them on its own clock otherwise
        log.warning("carrier simulator handover failed: %s", exc)


def ship_order(actor: Any, order_id: Any, *, vehicle_no: str = "") -> Shipment:
    """One order through pick → pack (estimated weight when not weighed) → exit →
    ship: the operator's single "ship" button and a one-parcel truck."""
    order = Order.objects.select_related("warehouse").filter(pk=order_id).first()
    if order is None:
        raise E.ORDER_NOT_FOUND.error()
    _require(actor, order.warehouse)
    if order.state == OS.PAID and order.cleared_at is None:
        raise OrderError.NOT_CLEARED.error(number=order.number)
    if order.state != OS.PAID:
        raise OrderError.INVALID_TRANSITION.error(state=order.state, to=OS.SHIPPED)
    shipment = ensure_waybill(order.pk)
    assert shipment is not None
    if shipment.pick_list_id is None:
        create_pick_list(actor, order.warehouse, [order.pk])
        shipment.refresh_from_db()
    if shipment.pick_list and shipment.pick_list.picked_at is None:
        confirm_picked(actor, shipment.pick_list_id)
    if shipment.packed_at is None:
        shipment = pack(actor, order.pk, estimated_weight(order))
    if shipment.zone_exit_id is None:
        create_exit(actor, order.warehouse, [order.pk], vehicle_no or "—")
        shipment.refresh_from_db()
    assert shipment.zone_exit_id is not None
    ship(actor, shipment.zone_exit_id)
    shipment.refresh_from_db()
    return shipment


# --------------------------------------------------------------------- tracking
def receive_push(body: bytes, content_type: str = "application/json") -> tuple[bytes, str]:
    """A route push from the carrier: stored raw first, then each route applied
    (idempotently); the answer is the carrier's ack, or its failure code so the
    carrier pushes again."""
    carrier = registry.get_carrier()
    with transaction.atomic():
        entry = PushLog.objects.create(carrier=carrier.code, received_at=clock.now(),
                                       content_type=content_type[:100],
                                       body=body.decode("utf-8", "replace")[:100_000])
    try:
        events = carrier.parse_push(body, content_type)
    except (ValueError, KeyError, TypeError) as exc:
        PushLog.objects.filter(pk=entry.pk).update(error=f"unreadable: {exc}"[:500])
        return carrier.push_ack(False)
    try:
        # Sorted by time: a batch that arrives newest-first is applied in order.
        applied = sum(apply_event(ev) for ev in sorted(events, key=lambda e: e.at))
    except Exception as exc:
        log.exception("route push %s failed", entry.pk)
        PushLog.objects.filter(pk=entry.pk).update(error=str(exc)[:500])
        return carrier.push_ack(False)
    PushLog.objects.filter(pk=entry.pk).update(ok=True, events=applied)
    return carrier.push_ack(True)


DELIVERED_NOTE = gettext_noop("Delivered (signed for at the carrier)")


@transaction.atomic
def apply_event(ev: RouteEvent) -> int:
    """One route event: kept once per (waybill, id); moves the parcel forward
    only (or into exception/return); delivered delivers the order. Returns 1
    when it was new."""
    shipment = (Shipment.objects.select_for_update(of=SELF).filter(waybill_no=ev.waybill_no)
                .exclude(waybill_no="").first())
    if shipment is None:
        log.warning("route event for unknown waybill %s", ev.waybill_no)
        return 0
    if TrackingEvent.objects.filter(waybill_no=ev.waybill_no, event_id=ev.event_id).exists():
        return 0
    now = clock.now()
    TrackingEvent.objects.create(shipment=shipment, waybill_no=ev.waybill_no,
                                 event_id=ev.event_id[:64], at=ev.at, state=str(ev.state),
                                 op_code=ev.op_code[:10], remark=ev.remark[:200],
                                 place=ev.place[:60], raw=ev.raw, received_at=now)
    state = shipment.state if shipment.state in port.State.__members__.values() else "created"
    if shipment.state in (P.CREATED, P.PICKED_UP, P.IN_TRANSIT, P.CUSTOMS_HOLD,
                          P.OUT_FOR_DELIVERY, P.EXCEPTION, P.RETURNING) \
            and port.advances(state, str(ev.state)):
        fields: dict[str, Any] = {"state": str(ev.state), "state_at": ev.at}
        if ev.state == port.State.DELIVERED and shipment.delivered_at is None:
            fields["delivered_at"] = ev.at
        Shipment.objects.filter(pk=shipment.pk).update(**fields)
        if ev.state == port.State.DELIVERED:
            order_services.record_delivery(shipment.order_id, note=DELIVERED_NOTE, at=ev.at)
    return 1


BUYER_NOTE = gettext_noop("Receipt confirmed by the buyer")
AUTO_NOTE = gettext_noop("Delivered (confirmed automatically after shipping)")


@transaction.atomic
def confirm_received(user: Any, order_id: Any) -> bool:
    """The buyer says the parcel arrived."""
    order = Order.objects.filter(pk=order_id, user=user).first()
    if order is None:
        raise E.ORDER_NOT_FOUND.error()
    if order.state != OS.SHIPPED:
        raise E.NOT_SHIPPED.error(state=order.state)
    done = order_services.record_delivery(order.pk, note=BUYER_NOTE, actor=user)
    if done:
        Shipment.objects.filter(order_id=order.pk, delivered_at__isnull=True).update(
            delivered_at=clock.now())
    return done


OPERATOR_NOTE = gettext_noop("Marked as delivered by the platform's staff")


@transaction.atomic
def mark_delivered(actor: Any, order_id: Any) -> Order:
    """An operator marks a shipped order delivered by hand (the ops console's
    button): the order moves, and its parcel counts as delivered from now. The
    carrier's tracking is left as the carrier reported it; the buyer's card
    shows the delivery as the staff's record (``tracking_card``)."""
    order = order_services.mark_delivered(order_id, actor, note=OPERATOR_NOTE)
    Shipment.objects.filter(order_id=order.pk, delivered_at__isnull=True).update(
        delivered_at=order.delivered_at or clock.now())
    return order


def auto_deliver_due(limit: int = 500) -> int:
    """Periodic job: orders shipped ``AUTO_DELIVER_DAYS`` ago count as delivered."""
    days = int(settings.SHEQUN.get("AUTO_DELIVER_DAYS", 15))
    cutoff = clock.now() - dt.timedelta(days=days)
    due = list(Order.objects.filter(state=OS.SHIPPED, shipped_at__lte=cutoff)
               .order_by("shipped_at").values_list("pk", flat=True)[:limit])
    done = 0
    for pk in due:
        with transaction.atomic():
            if order_services.record_delivery(pk, note=AUTO_NOTE):
                Shipment.objects.filter(order_id=pk, delivered_at__isnull=True).update(
                    delivered_at=clock.now())
                done += 1
    return done


def pump_embedded() -> int:
    """Periodic job of the embedded runtime: the in-process carrier simulator
    pushes the route events that are due, as SF would, to ``receive_push``."""
    if not registry.is_embedded():
        return 0
    return flush(everything=False)


def _acked(batch_id: int, ack: bytes, sim: Any) -> bool:
    return bool(sim.acked(batch_id, ack))


def flush(*, everything: bool) -> int:
    """Deliver the embedded simulator's due pushes (all of them: ``everything``)."""
    batches = registry.with_sim(lambda sim: sim.due(clock.now(), everything=everything))
    for batch_id, body in batches:
        try:
            ack, _ = receive_push(body)
        except DomainError:
            ack = b""
        registry.with_sim(functools.partial(_acked, batch_id, ack))
    return len(batches)


def timeline(order: Order) -> list[TrackingEvent]:
    return list(TrackingEvent.objects.filter(shipment__order=order).order_by("-at", "-id"))


@dataclass(frozen=True)
class TrackingEntry:
    """One line of the buyer's tracking list: a carrier's route event, or
    (``by_carrier`` False) the delivery as recorded without the carrier."""

    label: str
    remark: str
    at: dt.datetime
    by_carrier: bool = True


@dataclass(frozen=True)
class TrackingCard:
    shipment: Shipment
    status: str              # the parcel's status as the buyer should read it
    carrier_status: str      # the carrier's own last status, when it differs from ``status``
    entries: list[TrackingEntry]


def tracking_card(order: Order, shipment: Shipment | None = None) -> TrackingCard | None:
    """The buyer's tracking card. The carrier's events are shown as it sent
    them; when the order was delivered without the carrier's signing record
    (an operator marked it, the buyer confirmed receipt, or the days after
    shipping ran out), the card says delivered, adds that record under its
    own name and keeps the carrier's last status on a line of its own, so
    已揽收 is never the only status beside an order that says 已签收."""
    shipment = shipment or shipment_of(order)
    if shipment is None or not shipment.waybill_no:
        return None
    entries = [TrackingEntry(ev.get_state_display(), ev.remark, ev.at)
               for ev in timeline(order)]
    carrier_state = str(shipment.get_state_display())
    delivered_at = order.delivered_at
    if delivered_at is None or shipment.state == P.DELIVERED:
        return TrackingCard(shipment, carrier_state, "", entries)
    change = order.history.filter(to_state=OS.DELIVERED).order_by("-at").first()
    note = gettext(change.note) if change is not None and change.note else ""
    record = TrackingEntry(str(P.DELIVERED.label), note, delivered_at, by_carrier=False)
    entries = sorted([record, *entries], key=lambda e: e.at, reverse=True)
    return TrackingCard(shipment, str(P.DELIVERED.label), carrier_state, entries)




def shipment_of(order: Order) -> Shipment | None:
    return Shipment.objects.filter(order=order).first()
