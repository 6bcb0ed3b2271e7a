"""Receiving coded goods at the bonded warehouse by scanning them: a carton's
SSCC (or its Digital Link ``/00/…``) receives every unit inside, a loose unit's
code receives that unit. The ASN line of the units' SKU and lot is counted
through the inbound service (``set_count`` under the ASN's row lock), and the
receiving event (bizTransaction ``desadv`` = the ASN) is written in the same
transaction. Refused, nothing stored: a malformed code, a code Shequn did not
issue, a code not on this ASN, a carton or unit already received."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from shequn.core import audit, clock
from shequn.logistics import inbound
from shequn.logistics.models import ASN, ASNLine
from shequn.trace import gs1, journey
from shequn.trace.errors import TraceError
from shequn.trace.models import Carton, UnitCode

WAITING = (UnitCode.State.COMMISSIONED, UnitCode.State.PACKED)


@dataclass(frozen=True)
class Received:
    line: ASNLine
    units: int
    sscc: str = ""


def _line_for(asn: ASN, unit: UnitCode) -> ASNLine:
    batch = unit.batch
    if batch.asn_id not in (None, asn.pk):
        raise TraceError.NOT_ON_ASN.error()
    line = asn.lines.filter(sku_id=batch.sku_id, lot=batch.lot).order_by("line_no").first()
    if line is None:
        raise TraceError.NOT_ON_ASN.error()
    return line


@transaction.atomic
def scan(actor: Any, asn_id: Any, code: str) -> Received:
    """One scan at the ASN's receiving page (the caller checked the actor may
    work on the ASN's warehouse)."""
    try:
        read = gs1.read(code)
    except gs1.CodeError:
        raise TraceError.BAD_CODE.error(scanned=str(code)[:80]) from None
    asn = ASN.objects.select_for_update().select_related("warehouse").filter(pk=asn_id).first()
    if asn is None:
        raise TraceError.ASN_NOT_FOUND.error()
    if asn.status not in (ASN.Status.SUBMITTED, ASN.Status.RECEIVING):
        raise TraceError.ASN_CLOSED.error(asn_status=asn.status)
    now = clock.now()
    if read.sscc:
        carton = Carton.objects.select_for_update().filter(sscc=read.sscc).first()
        if carton is None:
            raise TraceError.UNKNOWN_CODE.error(scanned=read.sscc)
        first = (UnitCode.objects.select_related("batch").filter(carton=carton)
                 .order_by("pk").first())
        if first is None:
            raise TraceError.EMPTY_CARTON.error(sscc=read.sscc)
        line = _line_for(asn, first)
        if carton.state != Carton.State.PACKED:
            raise TraceError.CARTON_RECEIVED.error(sscc=read.sscc)
        units = list(UnitCode.objects.filter(carton=carton, state__in=WAITING)
                     .select_related("batch").order_by("pk"))
        if not units:
            raise TraceError.EMPTY_CARTON.error(sscc=read.sscc)
        if any((u.batch.sku_id, u.batch.lot) != (line.sku_id, line.lot) for u in units):
            # A mixed carton (packed by hand) would count units on the wrong line.
            raise TraceError.NOT_ON_ASN.error(sscc=read.sscc)
        done = Carton.objects.filter(pk=carton.pk, state=Carton.State.PACKED).update(
            state=Carton.State.RECEIVED, warehouse=asn.warehouse)
        if not done:  # pragma: no cover - the row lock above makes this a no-op
            raise TraceError.CARTON_RECEIVED.error(sscc=read.sscc)
        moved = UnitCode.objects.filter(pk__in=[u.pk for u in units], state__in=WAITING).update(
            state=UnitCode.State.RECEIVED, warehouse=asn.warehouse)
        epcs = [journey.carton_epc(carton.sscc)]
    else:
        unit = (UnitCode.objects.select_for_update(of=("self",)).select_related("batch")
                .filter(gtin=read.gtin, serial=read.serial).first())
        if unit is None:
            raise TraceError.UNKNOWN_CODE.error(scanned=read.serial)
        line = _line_for(asn, unit)
        if unit.state not in WAITING:
            raise TraceError.UNIT_RECEIVED.error(scanned=read.serial)
        carton_sscc = ""
        if unit.carton_id is not None:
            carton = Carton.objects.select_for_update().get(pk=unit.carton_id)
            if carton.state == Carton.State.PACKED:
                # Opened at receiving: the rest of it is received unit by unit.
                Carton.objects.filter(pk=carton.pk).update(state=Carton.State.OPENED,
                                                           warehouse=asn.warehouse)
                carton_sscc = carton.sscc
        moved = UnitCode.objects.filter(pk=unit.pk, state__in=WAITING).update(
            state=UnitCode.State.RECEIVED, warehouse=asn.warehouse)
        epcs = [journey.unit_epc(unit.gtin, unit.serial)]
        events = []
        if carton_sscc:
            events.append(journey.unpacking(journey.carton_epc(carton_sscc), epcs,
                                            warehouse=asn.warehouse, at=now))
            UnitCode.objects.filter(pk=unit.pk).update(carton=None, last_carton=F("carton"))
        journey.write(events)
    line = ASNLine.objects.get(pk=line.pk)
    inbound.set_count(actor, asn.pk, line.pk, counted=min(line.counted + moved, inbound.MAX_QTY),
                      damaged=line.damaged, reason=line.reason)
    journey.write([journey.received_at_warehouse(epcs, asn_number=asn.number,
                                                 warehouse=asn.warehouse, at=now)])
    line.refresh_from_db()
    audit.record(actor, "trace.receive_scan", asn, number=asn.number, units=moved,
                 sscc=read.sscc)
    return Received(line=line, units=moved, sscc=read.sscc)
