"""Writing and reading stored EPCIS events. ``record`` is called inside the
caller's transaction: by the capture job for captured documents and by
Shequn's own flows (commissioning, packing, receiving, shipping …) for the
journey of its units, so a step and its event commit together."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from shequn.catalog.models import Organization
from shequn.trace.gs1 import canonical_epc
from shequn.trace.models import EpcIndex, EpcisEvent

# The roles the index keeps, by the field of the event that holds them.
_EPC_FIELDS = (("epcList", EpcIndex.Role.EPC), ("childEPCs", EpcIndex.Role.EPC),
               ("parentID", EpcIndex.Role.PARENT), ("inputEPCList", EpcIndex.Role.INPUT),
               ("outputEPCList", EpcIndex.Role.OUTPUT))
_CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList",
                 "outputQuantityList")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def epcs_of(event: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """``(epc as written, role)`` for every EPC and EPC class an event names."""
    for key, role in _EPC_FIELDS:
        value = event.get(key)
        for epc in ([value] if isinstance(value, str) else value or []):
            yield epc, role
    for key in _CLASS_FIELDS:
        for q in event.get(key) or []:
            if isinstance(q, dict) and q.get("epcClass"):
                yield q["epcClass"], EpcIndex.Role.CLASS


CBV_WEB = "https://ref.gs1.org/cbv/"
_URN_KINDS = {"bizstep": "BizStep", "disp": "Disp", "btt": "BTT", "sdt": "SDT"}


def vocab(value: Any) -> str:
    """A CBV term as its bare word ("shipping"), whichever spelling a document
    used (bare, ``urn:epcglobal:cbv:bizstep:…``, ``https://ref.gs1.org/cbv/BizStep-…``);
    any other value (a custom vocabulary URI) unchanged."""
    text = str(value or "")
    if text.startswith(CBV_WEB) and "-" in text:
        return text.split("-", 1)[1]
    if text.startswith("urn:epcglobal:cbv:"):
        parts = text.split(":")
        if len(parts) == 5 and parts[3] in _URN_KINDS:
            return parts[4]
    if text.startswith("cbv:") and "-" in text:
        return text.split("-", 1)[1]
    return text


def transactions_text(event: dict[str, Any]) -> str:
    lines = [f"{vocab(t.get('type', ''))}={t.get('bizTransaction', '')}"
             for t in event.get("bizTransactionList") or [] if isinstance(t, dict)]
    return "".join(f"\n{line}" for line in lines) + ("\n" if lines else "")


def _id(value: Any) -> str:
    return value.get("id", "") if isinstance(value, dict) else ""


def record(events: Sequence[dict[str, Any]], *, org: Organization | None = None,
           context: list[Any] | None = None, capture_id: uuid.UUID | None = None,
           now: datetime | None = None) -> list[EpcisEvent]:
    """Store events (already valid, compact JSON-LD) with their index rows.
    Events without ``eventID`` get one (``urn:uuid:``; the capture path computes
    the CBV 2.0 hash ID before calling this). ``recordTime`` is the repository's."""
    now = now or timezone.now()
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    rows: list[EpcisEvent] = []
    for event in events:
        doc = dict(event)
        doc.setdefault("eventID", new_event_id())
        doc["recordTime"] = stamp
        rows.append(EpcisEvent(
            event_id=doc["eventID"], event_type=doc.get("type", ""),
            event_time=parse_time(doc["eventTime"]), record_time=now,
            action=doc.get("action", ""), biz_step=vocab(doc.get("bizStep", "")),
            disposition=vocab(doc.get("disposition", "")), read_point=_id(doc.get("readPoint")),
            biz_transactions=transactions_text(doc),
            biz_location=_id(doc.get("bizLocation")), doc=doc, context=context or [],
            org=org, capture_id=capture_id))
    EpcisEvent.objects.bulk_create(rows)
    index = []
    for row in rows:
        seen: set[tuple[str, str]] = set()
        for epc, role in epcs_of(row.doc):
            canonical, gtin = canonical_epc(epc)
            if (canonical, role) in seen:
                continue
            seen.add((canonical, role))
            index.append(EpcIndex(event_id=row.pk, epc=canonical, role=role, gtin=gtin,
                                  event_time=row.event_time))
    EpcIndex.objects.bulk_create(index, batch_size=2000)
    return rows


def events_for_epc(epc: str, *, roles: Iterable[str] | None = None) -> QuerySet[EpcisEvent]:
    """Every event naming this EPC (in any form), oldest first."""
    canonical, _gtin = canonical_epc(epc)
    ids = EpcIndex.objects.filter(epc=canonical)
    if roles is not None:
        ids = ids.filter(role__in=list(roles))
    return EpcisEvent.objects.filter(
        pk__in=ids.values("event_id")).order_by("event_time", "pk")
