"""The public verify page's domain: find the unit behind a Digital Link, tell
its journey from its EPCIS events (and those of the cartons it travelled in),
log the scan, take counterfeit reports.

Journey steps are read from the events' bizStep and business transactions as
decision 0007 writes them; an event Shequn does not know (captured by a brand
over /epcis/) still shows, as "recorded by …"."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils.translation import gettext_noop

from shequn.brands.selectors import staff_of
from shequn.catalog.models import Organization
from shequn.core import clock, notices
from shequn.trace import gs1, signals
from shequn.trace.epcis import store
from shequn.trace.gtins import sku_of_gtin
from shequn.trace.models import CounterfeitReport, EpcisEvent, Scan, UnitCode

VOC = "https://shequn.org/voc"
# bizStep (+ the kind of business transaction that tells two shipping steps
# apart) → the step the page names.
STEPS = {
    "commissioning": "coded",
    "packing": "packed",
    "receiving": "received",
    f"{VOC}/bizstep/customs_releasing": "cleared",
    "picking": "picked",
    f"{VOC}/bizstep/delivering": "delivered",
    "inspecting": "inspected",
    "destroying": "destroyed",
}
# States in which the unit is no longer what the buyer should have in hand.
WITHDRAWN = {UnitCode.State.RECALLED, UnitCode.State.DESTROYED}


@dataclass
class Step:
    name: str
    at: dt.datetime
    place: str = ""  # a warehouse or organization name (data, not translated)
    waybill: str = ""
    city: str = ""


@dataclass
class Journey:
    steps: list[Step] = field(default_factory=list)


def _urn_tail(uri: str, prefix: str) -> str:
    return uri.removeprefix(prefix) if uri.startswith(prefix) else ""


def _step_of(event: EpcisEvent) -> str:
    doc = event.doc
    step = doc.get("bizStep", "")
    if step == "shipping":
        types = {t.get("type") for t in doc.get("bizTransactionList") or []}
        return "shipped_out" if "po" in types else "shipped_in"
    if step == "receiving" and doc.get("disposition") == "returned":
        return "returned"
    return STEPS.get(step, "other")


def _carton_spans(unit_events: list[EpcisEvent]) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(carton EPC, packed at, unpacked at or far future) from the unit's
    aggregation events: carton events count for the unit only in between."""
    spans: dict[str, list[dt.datetime]] = {}
    for e in unit_events:
        if e.event_type != "AggregationEvent" or not e.doc.get("parentID"):
            continue
        parent = e.doc["parentID"]
        if e.action == "ADD":
            spans[parent] = [e.event_time, dt.datetime.max.replace(tzinfo=dt.UTC)]
        elif e.action == "DELETE" and parent in spans:
            spans[parent][1] = e.event_time
    return [(p, a, b) for p, (a, b) in spans.items()]


def journey(unit: UnitCode) -> Journey:
    epc = gs1.sgtin_urn(unit.gtin, unit.serial)
    own = list(store.events_for_epc(epc))
    events = list(own)
    for carton, start, end in _carton_spans(own):
        events += [e for e in store.events_for_epc(carton, roles=["epc"])
                   if start <= e.event_time <= end]
    events.sort(key=lambda e: (e.event_time, e.pk))
    places = _place_names(events)
    out = Journey()
    city = _delivery_city(unit)
    seen: set[tuple[str, str]] = set()
    for e in events:
        name = _step_of(e)
        if e.event_type == "AggregationEvent" and e.action != "ADD":
            continue  # leaving a carton (unpacking) is not a step a buyer needs
        key = (name, e.doc.get("eventTime", ""))
        if key in seen:
            continue
        seen.add(key)
        location = (e.biz_location or e.read_point
                    or next((d.get("destination", "") for d in e.doc.get("destinationList") or []
                             if d.get("type") == "location"), ""))
        waybill = next((_urn_tail(t.get("bizTransaction", ""), "urn:shequn:waybill:")
                        for t in e.doc.get("bizTransactionList") or [] if t.get("type") == "bol"),
                       "")
        out.steps.append(Step(name=name, at=e.event_time, place=places.get(location, ""),
                              waybill=mask_waybill(waybill),
                              city=city if name == "delivered" else ""))
    return out


def _place_names(events: list[EpcisEvent]) -> dict[str, str]:
    from shequn.inventory.models import Warehouse

    uris: set[str] = set()
    for e in events:
        uris.update({e.biz_location, e.read_point})
        uris.update(d.get("destination", "") for d in e.doc.get("destinationList") or [])
    codes = {u.removeprefix("urn:shequn:warehouse:") for u in uris
             if u.startswith("urn:shequn:warehouse:")}
    orgs = {u.removeprefix("urn:shequn:org:") for u in uris if u.startswith("urn:shequn:org:")}
    names = {f"urn:shequn:warehouse:{w.code}": w.name
             for w in Warehouse.objects.filter(code__in=codes)}
    names.update({f"urn:shequn:org:{o.code}": o.name
                  for o in Organization.objects.filter(code__in=orgs)})
    return names


def _delivery_city(unit: UnitCode) -> str:
    """The consignee's city only (never district or street): the order's city,
    or the province for municipalities whose "city" is the district list."""
    line = unit.order_line
    if line is None:
        return ""
    order = line.order
    city = order.city or order.province
    return "" if city in ("市辖区", "县") else city


def mask_waybill(waybill: str) -> str:
    return f"{waybill[:2]}****{waybill[-4:]}" if len(waybill) > 8 else waybill


def find_unit(gtin: str, serial: str) -> UnitCode | None:
    return (UnitCode.objects.filter(gtin=gtin, serial=serial)
            .select_related("batch__sku__product__brand", "order_line__order").first())


def device_hash(token: str) -> str:
    """A keyed hash of the page's device cookie: counts devices without keeping
    anything that identifies a person or a phone outside Shequn."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"device:" + token.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class ScanResult:
    count: int  # checks of this code so far, this one included
    first_at: dt.datetime
    devices: int


@transaction.atomic
def record_scan(gtin: str, serial: str, *, unit: UnitCode | None, device: str,
                city: str = "") -> ScanResult:
    """Log one check of a code and say how many there were. Unknown codes are
    logged too (probes against a GTIN are a counterfeit signal)."""
    now = clock.now()
    Scan.objects.create(unit=unit, gtin=gtin, serial=serial[:20], at=now, device=device,
                        city=city[:40])
    if unit is None:
        signals.on_unknown_code(gtin, now)
        return ScanResult(count=1, first_at=now, devices=1)
    agg = Scan.objects.filter(unit=unit).aggregate(n=Count("pk"), first=Min("at"),
                                                   devices=Count("device", distinct=True))
    result = ScanResult(count=agg["n"], first_at=agg["first"], devices=agg["devices"])
    signals.on_unit_scan(unit, result.count, result.devices, city, now)
    return result


@transaction.atomic
def report_counterfeit(gtin: str, serial: str, lot: str, *, where: str, note: str,
                       device: str) -> CounterfeitReport:
    """A buyer's report of a code that is not genuine: kept, and the brand that
    owns the GTIN (when Shequn knows it) and the operators are told."""
    sku = sku_of_gtin(gtin)
    brand = sku.product.brand if sku is not None else None
    row = CounterfeitReport.objects.create(gtin=gtin, serial=serial[:20], lot=lot[:20],
                                           brand=brand, where=where[:100], note=note[:500],
                                           device=device, at=clock.now())
    from django.contrib.auth import get_user_model

    from shequn.accounts.roles import OPERATOR

    message = gettext_noop("Counterfeit report: a buyer checked {code}, which is not a "
                           "genuine code")
    code = f"{gtin}/{serial[:20]}"
    if brand is not None:
        notices.notify(staff_of(brand), "trace.counterfeit_report", message, "/brand/risk/",
                       code=code)
    operators = get_user_model().objects.filter(groups__name=OPERATOR, is_active=True)
    notices.notify(operators, "trace.counterfeit_report", message, "/ops/risk/", code=code)
    return row
