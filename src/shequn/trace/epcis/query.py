"""The REST binding's event queries (GET /epcis/events and the resource
shortcuts): the standard parameters as filters on the stored events and the
EPC index, keyset pagination with an opaque token, and the visibility rule
(an organization sees events naming its own GTINs or captured by itself; the
platform sees all)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from shequn.catalog.models import Organization
from shequn.trace import gs1
from shequn.trace.epcis import capture, store
from shequn.trace.epcis.errors import EpcisError
from shequn.trace.epcis.store import vocab
from shequn.trace.models import EpcIndex, EpcisEvent

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
               "AssociationEvent")
DEFAULT_PER_PAGE, MAX_PER_PAGE = 30, 1000
EAGER_EVENTS = 1000
PAGING = {"perPage", "nextPageToken"}
SIMPLE = {"eventType", "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime",
          "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation",
          "EQ_eventID", "MATCH_epc", "MATCH_anyEPC", "MATCH_parentID", "MATCH_inputEPC",
          "MATCH_outputEPC", "MATCH_epcClass", "MATCH_anyEPCClass", "orderBy",
          "orderDirection", "eventCountLimit", "maxEventCount"}
# orderBy's values (the binding's two times; an extension field is not ordered
# on here, and naming one is a QueryParameterException rather than ignored).
ORDER_FIELDS = {"eventTime": "event_time", "recordTime": "record_time"}
_ROLES = {"MATCH_epc": ["epc"], "MATCH_parentID": ["parent"], "MATCH_inputEPC": ["input"],
          "MATCH_outputEPC": ["output"], "MATCH_epcClass": ["class"],
          "MATCH_anyEPCClass": ["class"], "MATCH_anyEPC": ["epc", "parent", "input", "output"]}


def _values(raw: str) -> list[str]:
    return [v for v in raw.split("|") if v]


def _time(name: str, raw: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise EpcisError.BAD_PARAMETER.error(parameter=name) from None
    if value.tzinfo is None:
        raise EpcisError.BAD_PARAMETER.error(parameter=name)
    return value


def visible(org: Organization | None) -> QuerySet[EpcisEvent]:
    qs = EpcisEvent.objects.all()
    if org is None:
        return qs
    gtins = capture.org_gtins(org)
    if not gtins:
        return qs.filter(org=org)
    # A correlated EXISTS (index probe per candidate event, its partition found
    # by event_time), never ``id IN (every event of the brand's GTINs)``: with
    # millions of events that subquery is read whole for each query.
    naming = EpcIndex.objects.filter(event_id=OuterRef("pk"), event_time=OuterRef("event_time"),
                                     gtin__in=gtins)
    return qs.filter(Exists(naming) | Q(org=org))


Pairs = list[tuple[int, dt.datetime]]


def _visible_among(pairs: Pairs, org: Organization) -> Pairs:
    """Which of these events (id, event time) the organization may see, asked
    of those events only: two index lookups in the partitions of their months,
    where the EXISTS of ``visible`` is planned over every monthly partition
    (the half of a brand's query time at 10M events)."""
    if not pairs:
        return []
    pks, times = sorted({p for p, _t in pairs}), sorted({t for _p, t in pairs})
    gtins = capture.org_gtins(org)
    seen = set(EpcisEvent.objects.filter(pk__in=pks, event_time__in=times, org=org)
               .values_list("pk", flat=True))
    if gtins:
        seen |= set(EpcIndex.objects.filter(event_id__in=pks, event_time__in=times,
                                            gtin__in=gtins).values_list("event_id", flat=True))
    return [(p, t) for p, t in pairs if p in seen]


def events(params: Mapping[str, str], org: Organization | None, *,
           fixed: Mapping[str, str] | None = None) -> tuple[list[EpcisEvent], str]:
    """One page of events and the token of the next ('' on the last page)."""
    names = set(params) | set(fixed or {})
    unknown = sorted(n for n in names if n not in SIMPLE and n not in PAGING
                     and not n.startswith("EQ_bizTransaction_"))
    if unknown:
        raise EpcisError.UNKNOWN_PARAMETER.error(parameter=unknown[0])
    merged = {**{k: params[k] for k in params}, **dict(fixed or {})}
    qs = EpcisEvent.objects.all()
    # Events a filter named outright (an EPC's, an eventID's): (id, time) pairs,
    # intersected across such filters; None when none did or there were many.
    named: Pairs | None = None
    for name, raw in merged.items():
        if name in PAGING or name in ("orderBy", "orderDirection"):
            continue
        qs, pairs = _filter(qs, name, raw, named_events=org is not None, org=org)
        if pairs is not None:
            if named is not None:
                also = set(pairs)
                pairs = [p for p in named if p in also]
            named = pairs
    if org is not None and named is not None:
        # The visibility rule on the few named events, and those events by
        # id and time (PostgreSQL looks into their months' partitions only).
        named = _visible_among(named, org)
        qs = qs.filter(pk__in=sorted({p for p, _t in named}),
                       event_time__in=sorted({t for _p, t in named}))
    elif org is not None:
        qs = qs & visible(org)
    per_page = page_size(merged)
    limit, most = _positive(merged, "eventCountLimit"), _positive(merged, "maxEventCount")
    if limit is not None and most is not None:
        # The binding: mutually exclusive, a QueryParameterException.
        raise EpcisError.BAD_PARAMETER.error(parameter="maxEventCount")
    direction = merged.get("orderDirection", "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise EpcisError.BAD_PARAMETER.error(parameter="orderDirection")
    descending = direction == "DESC"
    by = _order_by(merged)
    if limit is not None and by is None:
        # The binding: the first N events by an order the client names.
        raise EpcisError.BAD_PARAMETER.error(parameter="eventCountLimit")
    if most is not None and qs.values("pk")[:most + 1].count() > most:
        # More than maxEventCount match: the binding's QueryTooLargeException,
        # not the first page of them.
        raise EpcisError.QUERY_TOO_LARGE.error(limit=most)
    mark = _decode(merged["nextPageToken"], by) if merged.get("nextPageToken") else None
    if mark is not None:
        qs = qs.filter(_after(mark, by, descending))
    seen = mark.seen if mark is not None else 0
    if limit is not None:
        # eventCountLimit counts the events of every page together: the token
        # carries how many earlier pages gave.
        per_page = min(per_page, limit - seen)
        if per_page < 1:
            return [], ""
    keys = ([ORDER_FIELDS[by]] if by else []) + ["pk"]
    rows = list(qs.order_by(*(f"-{k}" if descending else k for k in keys))[:per_page + 1])
    more = len(rows) > per_page and (limit is None or seen + per_page < limit)
    token = _encode(rows[per_page - 1], by, seen + per_page if limit is not None else 0) \
        if more else ""
    return rows[:per_page], token


def page_size(params: Mapping[str, str]) -> int:
    """perPage: 1 to MAX_PER_PAGE, DEFAULT_PER_PAGE when not given."""
    if not params.get("perPage"):
        return DEFAULT_PER_PAGE
    try:
        per_page = int(params["perPage"])
    except ValueError:
        raise EpcisError.BAD_PARAMETER.error(parameter="perPage") from None
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise EpcisError.BAD_PARAMETER.error(parameter="perPage")
    return per_page


def _order_by(params: Mapping[str, str]) -> str | None:
    raw = params.get("orderBy")
    if raw is None:
        return None
    if raw not in ORDER_FIELDS:
        raise EpcisError.BAD_PARAMETER.error(parameter="orderBy")
    return raw


def _positive(params: Mapping[str, str], name: str) -> int | None:
    """A count parameter (eventCountLimit, maxEventCount): a positive integer,
    None when not given."""
    if not params.get(name):
        return None
    try:
        value = int(params[name])
    except ValueError:
        raise EpcisError.BAD_PARAMETER.error(parameter=name) from None
    if value < 1:
        raise EpcisError.BAD_PARAMETER.error(parameter=name)
    return value


def _filter(qs: QuerySet[EpcisEvent], name: str, raw: str, *, named_events: bool = False,
            org: Organization | None = None) -> tuple[QuerySet[EpcisEvent], Pairs | None]:
    """The query with this parameter's condition, and the (id, event time)
    pairs of the events it names outright when it does (EPCs; eventIDs when
    ``named_events``: read first only for the visibility check)."""
    return _condition(qs, name, raw, _values(raw), named_events, org)


def _condition(qs: QuerySet[EpcisEvent], name: str, raw: str, values: list[str],
               named_events: bool, org: Organization | None = None
               ) -> tuple[QuerySet[EpcisEvent], Pairs | None]:
    if not values and name not in ("eventCountLimit", "maxEventCount"):
        raise EpcisError.BAD_PARAMETER.error(parameter=name)
    if name == "eventType":
        return qs.filter(event_type__in=values), None
    if name in ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"):
        field = "event_time" if "event" in name else "record_time"
        op = "gte" if name.startswith("GE_") else "lt"
        return qs.filter(**{f"{field}__{op}": _time(name, raw)}), None
    if name == "EQ_action":
        return qs.filter(action__in=values), None
    if name == "EQ_bizStep":
        return qs.filter(biz_step__in=[vocab(v) for v in values]), None
    if name == "EQ_disposition":
        return qs.filter(disposition__in=[vocab(v) for v in values]), None
    if name == "EQ_readPoint":
        return qs.filter(read_point__in=values), None
    if name == "EQ_bizLocation":
        return qs.filter(biz_location__in=values), None
    if name == "EQ_eventID":
        if not named_events:
            return qs.filter(event_id__in=values), None
        found = list(EpcisEvent.objects.filter(event_id__in=values)
                     .values_list("pk", "event_time")[:EAGER_EVENTS + 1])
        if len(found) > EAGER_EVENTS:
            return qs.filter(event_id__in=values), None
        return qs.filter(event_id__in=values), found
    if name.startswith("EQ_bizTransaction_"):
        kind = vocab(name.removeprefix("EQ_bizTransaction_"))
        if any(c in text for text in (kind, *values) for c in "\r\n"):
            # The stored transactions are one "type=value" a line: a line break
            # would match across two of them (an order and its masked waybill).
            raise EpcisError.BAD_PARAMETER.error(parameter=name)
        cond = Q()
        for v in values:
            line = Q(biz_transactions__contains=f"\n{kind}={v}\n")
            if org is not None and WAYBILL in v.lower():
                # A waybill reads masked in events of others (as_seen_by): it
                # matches only in the organization's own, or a query would
                # confirm guesses of the masked digits (a hundred at a time).
                # lower(): SQLite's LIKE ignores case.
                line &= Q(org=org)
            cond |= line
        return qs.filter(cond), None
    if name in _ROLES:
        epcs = [gs1.canonical_epc(v)[0] for v in values]
        index = EpcIndex.objects.filter(epc__in=epcs, role__in=_ROLES[name])
        # An EPC names few events: read them first and ask for those events
        # with their times, so that PostgreSQL looks into the partitions of
        # those months only (a subquery makes it probe every monthly
        # partition for every event). Thousands (an EPC class): the subquery.
        rows = list(index.values_list("event_id", "event_time", "gtin")[:EAGER_EVENTS + 1])
        if org is not None:
            # Another brand's goods (its serials, its cartons) match only in
            # events this organization captured itself: such an EPC in an
            # event both share (one order) is no way in (as_seen_by leaves it
            # out). EPCs of no brand's goods match as before (visibility then
            # decides).
            gtins = capture.org_gtins(org) | {""}
            if len(rows) > EAGER_EVENTS:
                return qs.filter(Q(pk__in=index.filter(gtin__in=gtins).values("event_id"))
                                 | Q(pk__in=index.values("event_id"), org=org)), None
            other = [(p, t) for p, t, g in rows if g not in gtins]
            own = set(EpcisEvent.objects.filter(
                pk__in=sorted({p for p, _t in other}),
                event_time__in=sorted({t for _p, t in other}), org=org,
            ).values_list("pk", flat=True)) if other else set()
            rows = [r for r in rows if r[2] in gtins or r[0] in own]
        pairs = [(p, t) for p, t, _g in rows]
        if len(pairs) > EAGER_EVENTS:
            return qs.filter(pk__in=index.values("event_id")), None
        return qs.filter(pk__in=sorted({p[0] for p in pairs}),
                         event_time__in=sorted({p[1] for p in pairs})), pairs
    return qs, None


@dataclass(frozen=True)
class _Mark:
    """Where the page before ended: its last event (and that event's time when
    ordered by one), and how many events the pages before gave (counted only
    under eventCountLimit)."""

    after: int
    at: dt.datetime | None = None
    seen: int = 0


def _after(mark: _Mark, by: str | None, descending: bool) -> Q:
    """The events past the mark, in the query's order (ties on the time broken by id)."""
    cmp = "lt" if descending else "gt"
    if by is None or mark.at is None:
        return Q(**{f"pk__{cmp}": mark.after})
    field = ORDER_FIELDS[by]
    return Q(**{f"{field}__{cmp}": mark.at}) | Q(**{field: mark.at, f"pk__{cmp}": mark.after})


def pack_token(data: dict[str, Any]) -> str:
    """An opaque page token: the position it stands for as URL-safe base64 JSON."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def unpack_token(token: str) -> Any:
    """The JSON a page token stands for; BAD_TOKEN for anything else."""
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, RecursionError):
        # RecursionError: a forged token of thousands of nested brackets.
        raise EpcisError.BAD_TOKEN.error() from None


def _encode(row: EpcisEvent, by: str | None, seen: int = 0) -> str:
    data: dict[str, Any] = {"after": row.pk, **({"seen": seen} if seen else {})}
    if by is not None:
        data |= {"by": by, "at": getattr(row, ORDER_FIELDS[by]).isoformat()}
    return pack_token(data)


def _decode(token: str, by: str | None) -> _Mark:
    """The mark a token carries; refused when it was made for another order."""
    data = unpack_token(token)
    try:
        after, seen = int(data["after"]), int(data.get("seen", 0))
        at = dt.datetime.fromisoformat(data["at"]) if "at" in data else None
        made_for = data.get("by")
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        # OverflowError: a token of 1e400 (infinity to json.loads).
        raise EpcisError.BAD_TOKEN.error() from None
    if seen < 0 or made_for != by or (by is not None and (at is None or at.tzinfo is None)):
        raise EpcisError.BAD_TOKEN.error()
    return _Mark(after, at, seen)


_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList",
                   "outputQuantityList")
WAYBILL = "urn:shequn:waybill:"


def _waybill_masked(txn: Any) -> Any:
    if isinstance(txn, dict) and str(txn.get("bizTransaction", "")).startswith(WAYBILL):
        number = str(txn["bizTransaction"]).removeprefix(WAYBILL)
        masked = f"{number[:2]}****{number[-4:]}" if len(number) > 8 else "****"
        return {**txn, "bizTransaction": WAYBILL + masked}
    return txn


def as_seen_by(rows: list[EpcisEvent], org: Organization | None) -> list[dict[str, Any]]:
    """The events' documents as ``org`` may read them. An event Shequn or
    another organization recorded may name several brands' goods (the units
    of one order picked, shipped and delivered together): an organization's
    key reads them without the other brands' goods (another brand's serials
    are what its labels carry: never shown to a competitor), and a carrier's
    waybill masked (with
    the carrier it finds the buyer's address; PIPL, least data). Events the
    organization captured itself come back as they were captured; the
    platform's key reads everything."""
    if org is None:
        return [r.doc for r in rows]
    foreign = [r for r in rows if r.org_id != org.pk]
    if not foreign:
        return [r.doc for r in rows]
    gtins = capture.org_gtins(org)
    canon: dict[str, tuple[str, str]] = {}
    for row in foreign:
        for field in _EPC_LISTS:
            for epc in row.doc.get(field) or []:
                if isinstance(epc, str):
                    canon[epc] = gs1.canonical_epc(epc)
        for field in _QUANTITY_LISTS:
            for q in row.doc.get(field) or []:
                if isinstance(q, dict) and isinstance(q.get("epcClass"), str):
                    canon[q["epcClass"]] = gs1.canonical_epc(q["epcClass"])
        if isinstance(row.doc.get("parentID"), str):
            canon[row.doc["parentID"]] = gs1.canonical_epc(row.doc["parentID"])
    cartons = store.carton_gtins([[(c, "", g) for c, g in canon.values()]])

    def mine(epc: Any) -> bool:
        """Not another brand's goods: the organization's own, or an EPC that
        names no brand's goods (a carton Shequn did not pack, a location)."""
        canonical, gtin = canon.get(epc, ("", ""))
        owner = gtin or cartons.get(canonical, "")
        return not owner or owner in gtins

    out = []
    for row in rows:
        if row.org_id == org.pk:
            out.append(row.doc)
            continue
        doc = dict(row.doc)
        for field in _EPC_LISTS:
            if isinstance(doc.get(field), list):
                doc[field] = [e for e in doc[field] if mine(e)]
        for field in _QUANTITY_LISTS:
            if isinstance(doc.get(field), list):
                doc[field] = [q for q in doc[field]
                              if isinstance(q, dict) and mine(q.get("epcClass"))]
        if "parentID" in doc and not mine(doc["parentID"]):
            del doc["parentID"]
        if isinstance(doc.get("bizTransactionList"), list):
            doc["bizTransactionList"] = [_waybill_masked(t) for t in doc["bizTransactionList"]]
        out.append(doc)
    return out


def query_document(rows: list[EpcisEvent], context: list[Any] | None = None,
                   org: Organization | None = None) -> dict[str, Any]:
    """An EPCISQueryDocument of these events as ``org`` may read them
    (``as_seen_by``); the events' own namespace prefixes are merged into the
    @context."""
    ctx: list[Any] = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
    extra: dict[str, str] = {}
    for row in rows:
        for part in row.context or []:
            if isinstance(part, dict):
                extra.update({k: v for k, v in part.items() if isinstance(v, str)})
    if extra:
        ctx.append(extra)
    return {"@context": context or ctx, "type": "EPCISQueryDocument", "schemaVersion": "2.0",
            "creationDate": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery",
                                           "resultsBody": {"eventList": as_seen_by(rows, org)}}}}
