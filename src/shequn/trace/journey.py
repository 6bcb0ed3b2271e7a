"""The journey of coded units as EPCIS 2.0 events (decision 0007): how each
step Shequn's own flows take is written. Builders are plain functions over
strings and datetimes; ``write`` stores what they build through the event
store inside the caller's transaction, so a step and its event commit
together.

Identifiers are EPC URNs (SGTIN for units, SSCC for cartons); parties, places
and business documents are ``urn:shequn:…`` URIs; steps CBV 2.0 has no word
for are under ``https://shequn.org/voc/``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from shequn.core import clock
from shequn.trace import gs1

TZ = ZoneInfo("Asia/Shanghai")
OFFSET = "+08:00"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]

VOC = "https://shequn.org/voc"
CUSTOMS_RELEASING = f"{VOC}/bizstep/customs_releasing"
DELIVERING = f"{VOC}/bizstep/delivering"
CUSTOMS_DECLARATION = f"{VOC}/btt/customs_declaration"

Event = dict[str, Any]


# ------------------------------------------------------------------ identifiers
def org_uri(org: Any) -> str:
    return f"urn:shequn:org:{org.code or org.pk}"


def warehouse_uri(warehouse: Any) -> str:
    return f"urn:shequn:warehouse:{warehouse.code}"


def asn_uri(number: str) -> str:
    return f"urn:shequn:asn:{number}"


def order_uri(number: str) -> str:
    return f"urn:shequn:order:{number}"


def waybill_uri(waybill: str) -> str:
    return f"urn:shequn:waybill:{waybill}"


def customs_uri(ref: str) -> str:
    return f"urn:shequn:customs:{ref}"


def unit_epc(gtin: str, serial: str) -> str:
    return gs1.sgtin_urn(gtin, serial)


def carton_epc(sscc: str) -> str:
    """The SSCC's URN, split at the company prefix of the SSCC's own digits
    (the brand's prefix it was made from)."""
    return gs1.sscc_urn(sscc, sscc_prefix_length(sscc))


def sscc_prefix_length(sscc: str) -> int:
    # The SSCC carries the brand's GS1 company prefix after the extension digit;
    # biip's table gives its length from those digits read as a GTIN-13 prefix.
    body = sscc[1:13]
    return gs1.company_prefix_length("0" + body + gs1.check_digit("0" + body))


# ------------------------------------------------------------------ builders
def stamp(at: dt.datetime | None = None) -> str:
    """An EPCIS eventTime in China time (the offset the events declare)."""
    when = (at or clock.now()).astimezone(TZ)
    return when.isoformat(timespec="milliseconds")


def _base(kind: str, action: str | None, at: dt.datetime | None) -> Event:
    event: Event = {"type": kind, "eventTime": stamp(at), "eventTimeZoneOffset": OFFSET}
    if action:
        event["action"] = action
    return event


def commissioning(epcs: Sequence[str], *, lot: str, expiry: dt.date | None, brand: Any,
                  at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "ADD", at)
    event.update(epcList=list(epcs), bizStep="commissioning", disposition="active",
                 bizLocation={"id": org_uri(brand)})
    ilmd: dict[str, str] = {"cbvmda:lotNumber": lot}
    if expiry is not None:
        ilmd["cbvmda:itemExpirationDate"] = expiry.isoformat()
    event["ilmd"] = ilmd
    return event


def packing(parent: str, children: Sequence[str], *, brand: Any,
            at: dt.datetime | None = None) -> Event:
    event = _base("AggregationEvent", "ADD", at)
    event.update(parentID=parent, childEPCs=list(children), bizStep="packing",
                 disposition="container_closed", bizLocation={"id": org_uri(brand)})
    return event


def unpacking(parent: str, children: Sequence[str], *, warehouse: Any,
              at: dt.datetime | None = None) -> Event:
    event = _base("AggregationEvent", "DELETE", at)
    event.update(parentID=parent, childEPCs=list(children), bizStep="unpacking",
                 bizLocation={"id": warehouse_uri(warehouse)})
    return event


def shipped_to_warehouse(epcs: Sequence[str], *, asn_number: str, brand: Any,
                         warehouse: Any, at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    event.update(epcList=list(epcs), bizStep="shipping", disposition="in_transit",
                 bizTransactionList=[{"type": "desadv", "bizTransaction": asn_uri(asn_number)}],
                 sourceList=[{"type": "owning_party", "source": org_uri(brand)}],
                 destinationList=[{"type": "location",
                                   "destination": warehouse_uri(warehouse)}])
    return event


def received_at_warehouse(epcs: Sequence[str], *, asn_number: str, warehouse: Any,
                          at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    uri = warehouse_uri(warehouse)
    event.update(epcList=list(epcs), bizStep="receiving",
                 disposition="sellable_not_accessible",
                 readPoint={"id": uri}, bizLocation={"id": uri},
                 bizTransactionList=[{"type": "desadv", "bizTransaction": asn_uri(asn_number)}])
    return event


def _order_txn(number: str, *extra: dict[str, str]) -> list[dict[str, str]]:
    return [{"type": "po", "bizTransaction": order_uri(number)}, *extra]


def customs_released(epcs: Sequence[str], *, order_number: str, customs_ref: str,
                     warehouse: Any, at: dt.datetime | None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    event.update(epcList=list(epcs), bizStep=CUSTOMS_RELEASING,
                 disposition="sellable_accessible", bizLocation={"id": warehouse_uri(warehouse)},
                 bizTransactionList=_order_txn(
                     order_number, {"type": CUSTOMS_DECLARATION,
                                    "bizTransaction": customs_uri(customs_ref)}))
    return event


def _order_step(epcs: Sequence[str], step: str, disposition: str, *, order_number: str,
                warehouse: Any, at: dt.datetime | None) -> Event:
    """An order's units observed at its warehouse (read point and location)."""
    event = _base("ObjectEvent", "OBSERVE", at)
    uri = warehouse_uri(warehouse)
    event.update(epcList=list(epcs), bizStep=step, disposition=disposition,
                 readPoint={"id": uri}, bizLocation={"id": uri},
                 bizTransactionList=_order_txn(order_number))
    return event


def picked(epcs: Sequence[str], *, order_number: str, warehouse: Any,
           at: dt.datetime | None = None) -> Event:
    return _order_step(epcs, "picking", "retail_sold", order_number=order_number,
                       warehouse=warehouse, at=at)


def unpicked(epcs: Sequence[str], *, order_number: str, warehouse: Any,
             at: dt.datetime | None = None) -> Event:
    """Units packed for an order that was refunded before it shipped: back on
    the warehouse's shelf (stocking), sellable again."""
    return _order_step(epcs, "stocking", "sellable_not_accessible", order_number=order_number,
                       warehouse=warehouse, at=at)


def shipped_to_buyer(epcs: Sequence[str], *, order_number: str, waybill: str,
                     warehouse: Any, at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    txns = _order_txn(order_number)
    if waybill:
        txns.append({"type": "bol", "bizTransaction": waybill_uri(waybill)})
    event.update(epcList=list(epcs), bizStep="shipping", disposition="in_transit",
                 readPoint={"id": warehouse_uri(warehouse)}, bizTransactionList=txns)
    return event


def delivered(epcs: Sequence[str], *, order_number: str,
              at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    event.update(epcList=list(epcs), bizStep=DELIVERING, disposition="retail_sold",
                 bizTransactionList=_order_txn(order_number))
    return event


def returned(epcs: Sequence[str], *, order_number: str, warehouse: Any,
             at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    uri = warehouse_uri(warehouse)
    event.update(epcList=list(epcs), bizStep="receiving", disposition="returned",
                 bizLocation={"id": uri},
                 bizTransactionList=[{"type": "rma", "bizTransaction": order_uri(order_number)}])
    return event


def inspected(epcs: Sequence[str], *, sellable: bool, order_number: str, warehouse: Any,
              at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    uri = warehouse_uri(warehouse)
    event.update(epcList=list(epcs), bizStep="inspecting",
                 disposition="sellable_not_accessible" if sellable else "damaged",
                 readPoint={"id": uri}, bizLocation={"id": uri},
                 bizTransactionList=[{"type": "rma", "bizTransaction": order_uri(order_number)}])
    return event


def destroyed(epcs: Sequence[str], *, warehouse: Any, at: dt.datetime | None = None) -> Event:
    event = _base("ObjectEvent", "OBSERVE", at)
    uri = warehouse_uri(warehouse)
    event.update(epcList=list(epcs), bizStep="destroying", disposition="destroyed",
                 readPoint={"id": uri}, bizLocation={"id": uri})
    return event


# ------------------------------------------------------------------ storing
def write(events: Iterable[Event]) -> None:
    """Store Shequn's own events (captured by no organization: ``org=None``)."""
    from shequn.trace.epcis import store

    batch = [e for e in events if e.get("epcList") or e.get("childEPCs") or e.get("parentID")]
    if batch:
        store.record(batch, context=CONTEXT)


def epcs_of_units(units: Iterable[Any]) -> list[str]:
    return [unit_epc(u.gtin, u.serial) for u in units]
