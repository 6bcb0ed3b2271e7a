"""Writing and reading stored EPCIS events. ``record`` is called inside the
caller's transaction: by the capture job for captured documents and by
Shequn's own flows (commissioning, packing, receiving, shipping …) for the
journey of its units, so a step and its event commit together."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from shequn.catalog.models import Organization
from shequn.trace.gs1 import canonical_carton, canonical_epc
from shequn.trace.models import Carton, EpcIndex, EpcisEvent

CARTON_STEM = canonical_carton("")

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


_EVENT_COLUMNS = ("id", "event_id", "event_type", "event_time", "record_time", "action",
                  "biz_step", "disposition", "read_point", "biz_location", "biz_transactions",
                  "doc", "context", "org_id", "capture_id")


def record(events: Sequence[dict[str, Any]], *, org: Organization | None = None,
           context: list[Any] | None = None, capture_id: uuid.UUID | None = None,
           now: datetime | None = None, returning: bool = True) -> list[EpcisEvent]:
    """Store events (already valid, compact JSON-LD) with their index rows
    (the stored rows are returned unless ``returning`` is false: bulk capture
    does not need them).
    Events without ``eventID`` get one (``urn:uuid:``; the capture path computes
    the CBV 2.0 hash ID before calling this). ``recordTime`` is the repository's.

    On PostgreSQL both tables are written with COPY (ids drawn from the events'
    sequence first), in the caller's transaction; elsewhere with bulk_create."""
    now = now or timezone.now()
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    context = context or []
    org_id = org.pk if org is not None else None
    docs = []
    for event in events:
        doc = dict(event)
        doc.setdefault("eventID", new_event_id())
        doc["recordTime"] = stamp
        docs.append(doc)
    times = [parse_time(doc["eventTime"]) for doc in docs]
    # Each event's index rows, with Shequn's cartons' GTINs filled in.
    entries = [index_entries(doc) for doc in docs]
    cartons = carton_gtins(entries)
    if cartons:
        entries = [[(epc, role, gtin or cartons.get(epc, "")) for epc, role, gtin in rows]
                   for rows in entries]
    if connection.vendor == "postgresql":
        return _copy(docs, times, now, context, org_id, capture_id, returning, entries)
    rows = [EpcisEvent(event_id=doc["eventID"], event_type=doc.get("type", ""),
                       event_time=at, record_time=now, action=doc.get("action", ""),
                       biz_step=vocab(doc.get("bizStep", "")),
                       disposition=vocab(doc.get("disposition", "")),
                       read_point=_id(doc.get("readPoint")),
                       biz_transactions=transactions_text(doc),
                       biz_location=_id(doc.get("bizLocation")), doc=doc, context=context,
                       org_id=org_id, capture_id=capture_id)
            for doc, at in zip(docs, times, strict=True)]
    EpcisEvent.objects.bulk_create(rows)
    EpcIndex.objects.bulk_create(
        [EpcIndex(event_id=row.pk, epc=epc, role=role, gtin=gtin, event_time=row.event_time)
         for row, event_rows in zip(rows, entries, strict=True)
         for epc, role, gtin in event_rows], batch_size=2000)
    return rows


def carton_gtins(entries: Iterable[list[tuple[str, str, str]]]) -> dict[str, str]:
    """Canonical EPC of each of Shequn's cartons these events name → the GTIN-14
    of the units it was packed for. An SSCC names no GTIN, but the carton is
    that brand's goods: indexed with its GTIN, the brand's key sees the
    carton's shipping and receiving as it sees its units' steps."""
    named = {epc.removeprefix(CARTON_STEM) for rows in entries
             for epc, _role, gtin in rows if not gtin and epc.startswith(CARTON_STEM)}
    if not named:
        return {}
    return {canonical_carton(sscc): gtin for sscc, gtin in
            Carton.objects.filter(sscc__in=named, batch__isnull=False)
            .values_list("sscc", "batch__gtin")}


@lru_cache(maxsize=1)
def _column_limits() -> dict[str, int]:
    return {f.name: int(f.max_length) for f in (*EpcisEvent._meta.fields,
                                                *EpcIndex._meta.fields) if f.max_length}


def too_long(event: dict[str, Any]) -> list[str]:
    """The fields of an event whose stored form would not fit its column (an
    eventID, EPC, location or vocabulary URI the schema lets through at any
    length): a document naming one is refused at capture, where it would fail
    its job in the worker on every retry."""
    limit = _column_limits()
    values = {"eventID": (str(event.get("eventID") or ""), limit["event_id"]),
              "bizStep": (vocab(event.get("bizStep", "")), limit["biz_step"]),
              "disposition": (vocab(event.get("disposition", "")), limit["disposition"]),
              "readPoint": (_id(event.get("readPoint")), limit["read_point"]),
              "bizLocation": (_id(event.get("bizLocation")), limit["biz_location"])}
    out = [name for name, (value, most) in values.items() if len(value) > most]
    out += sorted({field for field, epc in _epcs_by_field(event)
                   if len(canonical_epc(epc)[0]) > limit["epc"]})
    return out


def _epcs_by_field(event: dict[str, Any]) -> Iterable[tuple[str, str]]:
    for key, _role in _EPC_FIELDS:
        value = event.get(key)
        for epc in ([value] if isinstance(value, str) else value or []):
            yield key, str(epc)
    for key in _CLASS_FIELDS:
        for q in event.get(key) or []:
            if isinstance(q, dict) and q.get("epcClass"):
                yield key, str(q["epcClass"])


def index_entries(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(canonical EPC, role, gtin)`` rows of the EPC index for one event."""
    out = []
    seen: set[tuple[str, str]] = set()
    for epc, role in epcs_of(doc):
        canonical, gtin = canonical_epc(epc)
        if (canonical, role) in seen:
            continue
        seen.add((canonical, role))
        out.append((canonical, role, gtin))
    return out


def _copy(docs: list[dict[str, Any]], times: list[datetime], now: datetime,
          context: list[Any], org_id: Any, capture_id: uuid.UUID | None,
          returning: bool, entries: list[list[tuple[str, str, str]]]) -> list[EpcisEvent]:
    context_json = json.dumps(context)
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('trace_epcisevent', 'id')) "
                    "FROM generate_series(1, %s)", [len(docs)])
        ids = [r[0] for r in cur.fetchall()]
        index: list[tuple[Any, ...]] = []
        with cur.copy(f"COPY trace_epcisevent ({', '.join(_EVENT_COLUMNS)}) "
                      "FROM STDIN") as copy:
            for pk, doc, at, event_rows in zip(ids, docs, times, entries, strict=True):
                copy.write_row((
                    pk, doc["eventID"], doc.get("type", ""), at, now, doc.get("action", ""),
                    vocab(doc.get("bizStep", "")), vocab(doc.get("disposition", "")),
                    _id(doc.get("readPoint")), _id(doc.get("bizLocation")),
                    transactions_text(doc), json.dumps(doc), context_json, org_id,
                    capture_id))
                index.extend((pk, epc, role, gtin, at) for epc, role, gtin in event_rows)
        with cur.copy("COPY trace_epcindex (event_id, epc, role, gtin, event_time) "
                      "FROM STDIN") as copy:
            for entry in index:
                copy.write_row(entry)
    if not returning:
        return []
    return [_stored(pk, doc, at, now, context, org_id, capture_id)
            for pk, doc, at in zip(ids, docs, times, strict=True)]


def _stored(pk: int, doc: dict[str, Any], at: datetime, now: datetime, context: list[Any],
            org_id: Any, capture_id: uuid.UUID | None) -> EpcisEvent:
    return EpcisEvent(pk=pk, event_id=doc["eventID"], event_type=doc.get("type", ""),
                      event_time=at, record_time=now, action=doc.get("action", ""),
                      biz_step=vocab(doc.get("bizStep", "")),
                      disposition=vocab(doc.get("disposition", "")),
                      read_point=_id(doc.get("readPoint")),
                      biz_transactions=transactions_text(doc),
                      biz_location=_id(doc.get("bizLocation")), doc=doc, context=context,
                      org_id=org_id, capture_id=capture_id)


def events_for_epc(epc: str, *, roles: Iterable[str] | None = None) -> QuerySet[EpcisEvent]:
    """Every event naming this EPC (in any form), oldest first."""
    canonical, _gtin = canonical_epc(epc)
    ids = EpcIndex.objects.filter(epc=canonical)
    if roles is not None:
        ids = ids.filter(role__in=list(roles))
    return EpcisEvent.objects.filter(
        pk__in=ids.values("event_id")).order_by("event_time", "pk")
