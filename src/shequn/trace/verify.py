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
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from shequn.brands.selectors import staff_of
from shequn.catalog.models import Organization
from shequn.core import clock, localcache, notices, prepared, rawrows
from shequn.trace import gs1, signals
from shequn.trace.gtins import sku_of_gtin
from shequn.trace.models import CounterfeitReport, Scan, ScanDevice, ScanTally, UnitCode

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


@dataclass(frozen=True)
class _Row:
    """What the page needs of an event: its columns and two small JSON members,
    never the whole document (a commissioning event names every unit of its
    chunk: thousands of EPCs)."""

    pk: int
    event_type: str
    action: str
    event_time: dt.datetime
    biz_step: str
    disposition: str
    location: str
    transactions: str
    parent: str
    # Captured through an organization's API key, not written by Shequn's flows
    # (nor the platform's key): the brand's own record, not the platform's word.
    captured: bool = False


def _place(location: str, read_point: str, dests: Any) -> str:
    """Where an event happened: its business location, its read point, or the
    location it shipped to (``destinationList``)."""
    return (location or read_point
            or next((d.get("destination", "") for d in (dests if isinstance(dests, list) else [])
                     if isinstance(d, dict) and d.get("type") == "location"), ""))


def _rows_of(epcs: list[str], canonical: bool = False) -> dict[str, list[tuple[str, _Row]]]:
    """``canonical EPC → [(role, row)]`` for the events naming any of these EPCs,
    in one query over the EPC index joined to its events (the join also matches
    event_time, so PostgreSQL looks into one monthly partition per row)."""
    from django.db.models import Case, CharField, F, JSONField, Q, Value, When
    from django.db.models.fields.json import KeyTextTransform, KeyTransform

    from shequn.trace.models import EpcIndex

    wanted = sorted(set(epcs) if canonical else {gs1.canonical_epc(e)[0] for e in epcs})
    if connection.vendor == "postgresql":
        return _rows_of_pg(wanted)
    # The two JSON members are read only from the events that can have them
    # (CASE is lazy): reading any member decompresses the whole document, and
    # a commissioning event names every unit of its chunk (hundreds of kB).
    qs = (EpcIndex.objects.filter(epc__in=wanted, event__event_time=F("event_time"))
          .annotate(
              parent=Case(When(event__event_type="AggregationEvent",
                               then=KeyTextTransform("parentID", "event__doc")),
                          default=Value(None), output_field=CharField()),
              dests=Case(When(Q(event__biz_location="") & Q(event__read_point=""),
                              then=KeyTransform("destinationList", "event__doc")),
                         default=Value(None), output_field=JSONField())))
    out: dict[str, list[tuple[str, _Row]]] = {e: [] for e in wanted}
    for r in qs.values("epc", "role", "event_id", "event__event_type", "event__action",
                       "event__event_time", "event__biz_step", "event__disposition",
                       "event__biz_location", "event__read_point", "event__biz_transactions",
                       "parent", "dests", "event__org_id"):
        location = _place(r["event__biz_location"], r["event__read_point"], r["dests"])
        out[r["epc"]].append((r["role"], _Row(
            r["event_id"], r["event__event_type"], r["event__action"], r["event__event_time"],
            r["event__biz_step"], r["event__disposition"], location,
            r["event__biz_transactions"], r["parent"] or "", r["event__org_id"] is not None)))
    return out


# The page's hottest statement, prepared once per connection (core.prepared:
# planning a lookup over thirty monthly partitions cost eight times running it).
# Its generic plan joins each index row to its event in that event's month only
# (run-time partition pruning on event_time).
_ROWS_SELECT = """
    SELECT i.epc, i.role, e.id, e.event_type, e.action, e.event_time, e.biz_step,
           e.disposition, e.biz_location, e.read_point, e.biz_transactions,
           CASE WHEN e.event_type = 'AggregationEvent' THEN e.doc ->> 'parentID' END,
           CASE WHEN e.biz_location = '' AND e.read_point = ''
                THEN (e.doc -> 'destinationList')::text END,
           e.org_id IS NOT NULL
    FROM trace_epcindex i
    JOIN trace_epcisevent e ON e.id = i.event_id AND e.event_time = i.event_time"""
_ROWS = prepared.Statement("verify_epc_rows", ("text[]",),
                           _ROWS_SELECT + " WHERE i.epc = ANY($1)")


def _rows_of_pg(wanted: list[str]) -> dict[str, list[tuple[str, _Row]]]:
    """The same rows as one fixed statement (the page's hottest: no ORM
    compilation per check). The JSON members as in ``_rows_of``: only where
    they can be, so a commissioning event's document is never decompressed."""
    with connection.cursor() as cur:
        return _rows_from(wanted, _ROWS.execute(cur, [wanted]).fetchall())


# The columns of one of ``_ROWS``'s rows (``_CHECK`` ends its rows with them).
_ROW_WIDTH = 14


def _rows_from(wanted: list[str], found: Any) -> dict[str, list[tuple[str, _Row]]]:
    """``_rows_of``'s answer from rows shaped as ``_ROWS``'s."""
    import json

    out: dict[str, list[tuple[str, _Row]]] = {e: [] for e in wanted}
    rows: dict[int, _Row] = {}
    for (epc, role, pk, kind, action, at, step, disposition, location, read_point,
         transactions, parent, dests_text, captured) in found:
        row = rows.get(pk)
        if row is None:
            place = _place(location, read_point, json.loads(dests_text) if dests_text else None)
            row = rows[pk] = _Row(pk, kind, action, at, step, disposition, place, transactions,
                                  parent or "", captured)
        out[epc].append((role, row))
    return out


def _events(found: list[tuple[str, _Row]], roles: list[str] | None = None) -> list[_Row]:
    """One row per event (an event may name the EPC in several roles), oldest first."""
    rows = {row.pk: row for role, row in found if roles is None or role in roles}
    return sorted(rows.values(), key=lambda e: (e.event_time, e.pk))


def _transactions(row: _Row) -> dict[str, str]:
    return dict(line.split("=", 1) for line in row.transactions.split("\n") if "=" in line)


def _step_of(row: _Row) -> str:
    if row.biz_step == "shipping":
        return "shipped_out" if "po" in _transactions(row) else "shipped_in"
    if row.biz_step == "receiving" and row.disposition == "returned":
        return "returned"
    return STEPS.get(row.biz_step, "other")


def _carton_spans(unit_rows: list[_Row]) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(carton EPC, packed at, unpacked at or far future) from the unit's
    aggregation events: carton events count for the unit only in between."""
    spans: dict[str, list[dt.datetime]] = {}
    for e in unit_rows:
        if e.event_type != "AggregationEvent" or not e.parent:
            continue
        if e.action == "ADD":
            spans[e.parent] = [e.event_time, dt.datetime.max.replace(tzinfo=dt.UTC)]
        elif e.action == "DELETE" and e.parent in spans:
            spans[e.parent][1] = e.event_time
    return [(p, a, b) for p, (a, b) in spans.items()]


def journey(unit: UnitCode) -> Journey:
    # The unit's events and those of the carton it is in or left last, in one
    # query; a carton it left before that is read after (rare: repacked goods).
    key = gs1.canonical_unit(unit.gtin, unit.serial)
    cartons = {c.sscc for c in (getattr(unit, "carton", None), getattr(unit, "last_carton", None))
               if c is not None}
    wanted = [key] + [gs1.canonical_carton(sscc) for sscc in sorted(cartons)]
    # The check's own statement read them already (``check`` on PostgreSQL).
    read = getattr(unit, "_journey_rows", None)
    found = _rows_from(wanted, read) if read is not None else _rows_of(wanted, canonical=True)
    own = _events(found[key])
    events = list(own)
    spans = _carton_spans(own)
    missing = [p for p, _a, _b in spans if gs1.canonical_epc(p)[0] not in found]
    if missing:
        found.update(_rows_of(missing))
    for parent, start, end in spans:
        rows = _events(found.get(gs1.canonical_epc(parent)[0], []), roles=["epc"])
        events += [e for e in rows if start <= e.event_time <= end]
    events.sort(key=lambda e: (e.event_time, e.pk))
    places = _place_names({e.location for e in events})
    out = Journey()
    city = _delivery_city(unit)
    seen: set[tuple[str, dt.datetime]] = set()
    for e in events:
        if e.event_type == "AggregationEvent" and e.action != "ADD":
            continue  # leaving a carton (unpacking) is not a step a buyer needs
        if e.captured:
            # An organization's own record (its API key): shown as such, never
            # as a step Shequn attests (customs release, a bonded warehouse, a
            # delivery) nor with Shequn's places, whatever vocabulary it used.
            if ("other", e.event_time) not in seen:
                seen.add(("other", e.event_time))
                out.steps.append(Step(name="other", at=e.event_time))
            continue
        name = _step_of(e)
        if (name, e.event_time) in seen:
            continue
        seen.add((name, e.event_time))
        waybill = _urn_tail(_transactions(e).get("bol", ""), "urn:shequn:waybill:")
        out.steps.append(Step(name=name, at=e.event_time, place=places.get(e.location, ""),
                              waybill=mask_waybill(waybill),
                              city=city if name == "delivered" else ""))
    return out


def _place_names(uris: set[str]) -> dict[str, str]:
    """Names of the warehouses and organizations events name, in the page's
    language (cached per language: they change rarely and every check of a
    code asks)."""
    from django.core.cache import cache

    from shequn.catalog import names as shown_names
    from shequn.inventory.models import Warehouse

    uris = {u for u in uris if u}
    english = shown_names.english()
    key = ("verify:places:" + ("en:" if english else "")
           + hashlib.sha256("|".join(sorted(uris)).encode()).hexdigest()[:32])
    local = _local.get(key)
    if local is not localcache.MISSING:
        return local  # type: ignore[no-any-return]
    shared: dict[str, str] | None = cache.get(key)
    if shared is not None:
        _local.set(key, shared)
        return shared
    codes = {u.removeprefix("urn:shequn:warehouse:") for u in uris
             if u.startswith("urn:shequn:warehouse:")}
    orgs = {u.removeprefix("urn:shequn:org:") for u in uris if u.startswith("urn:shequn:org:")}
    # Names only: a warehouse row now also carries its sender address.
    names = {f"urn:shequn:warehouse:{code}": shown_names.shown(name, name_en)
             for code, name, name_en in Warehouse.objects.filter(code__in=codes)
             .values_list("code", "name", "name_en")} if codes else {}
    if orgs:
        names.update({f"urn:shequn:org:{code}": shown_names.shown(name, name_en)
                      for code, name, name_en in Organization.objects.filter(code__in=orgs)
                      .values_list("code", "name", "name_en")})
    cache.set(key, names, 300)
    _local.set(key, names)
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


BATCH_KEY = "verify:batch:{}"
BATCH_SECONDS = 60  # also bounds what a bulk update() (no signal) leaves shown
# In front of Redis, per process: lots, chains and place names (see core.localcache;
# a change shows in other processes within this many seconds).
LOCAL_SECONDS = 5
_local = localcache.LocalCache(seconds=LOCAL_SECONDS)


def find_unit(gtin: str, serial: str) -> UnitCode | None:
    """The unit (its state and order read now) with its lot, SKU, product and
    brand from the cache: they are the same for every unit of the lot and
    every check of them (a join of nine tables cost more to plan than to run)."""
    if connection.vendor == "postgresql":
        unit = _find_unit_pg(gtin, serial)
    else:
        # At most one row (gtin, serial is unique): no ORDER BY to compile or run.
        unit = next(iter(UnitCode.objects.filter(gtin=gtin, serial=serial)
                         .select_related("order_line__order", "carton", "last_carton")[:1]),
                    None)
    if unit is not None:
        unit.batch = batch_of(unit.batch_id)
    return unit


# The unit's columns from the model (core.rawrows: a new field is picked up).
_UNIT = prepared.Statement(
    "verify_unit", ("text", "text"),
    f"SELECT {rawrows.columns(UnitCode, 'u')},"  # noqa: S608
    " c.sscc, lc.sscc, l.order_id, o.number, o.province, o.city"
    " FROM trace_unitcode u"
    " LEFT JOIN trace_carton c ON c.id = u.carton_id"
    " LEFT JOIN trace_carton lc ON lc.id = u.last_carton_id"
    " LEFT JOIN orders_orderline l ON l.id = u.order_line_id"
    " LEFT JOIN orders_order o ON o.id = l.order_id"
    " WHERE u.gtin = $1 AND u.serial = $2")


def _find_unit_pg(gtin: str, serial: str) -> UnitCode | None:
    """``find_unit``'s read as one prepared statement."""
    with connection.cursor() as cur:
        row = _UNIT.execute(cur, [gtin, serial]).fetchone()
    return None if row is None else _unit_of_row(row)


def _unit_of_row(row: Any) -> UnitCode:
    """The instances the ORM's select_related would give from a row of ``_UNIT``
    (or one starting as it does): only the columns the page reads of the
    carton and the order; the others load on access, as deferred fields."""
    from shequn.orders.models import Order, OrderLine
    from shequn.trace.models import Carton

    unit = rawrows.build(UnitCode, row, 0)
    width = rawrows.width(UnitCode)
    sscc, last_sscc, order_id, number, province, city = row[width:width + 6]
    unit.carton = (Carton.from_db("default", ["id", "sscc"], [unit.carton_id, sscc])
                   if unit.carton_id is not None else None)
    unit.last_carton = (Carton.from_db("default", ["id", "sscc"], [unit.last_carton_id, last_sscc])
                        if unit.last_carton_id is not None else None)
    if unit.order_line_id is not None:
        line = OrderLine.from_db("default", ["id", "order_id"], [unit.order_line_id, order_id])
        line.order = Order.from_db("default", ["id", "number", "province", "city"],
                                   [order_id, number, province, city])
        unit.order_line = line
    else:
        unit.order_line = None
    return unit


def batch_of(batch_id: Any) -> Any:
    from django.core.cache import cache

    from shequn.catalog.selectors import cover
    from shequn.trace.models import CodeBatch

    key = BATCH_KEY.format(batch_id)
    batch = _local.get(key)
    if batch is not localcache.MISSING:
        return batch
    batch = cache.get(key)
    if batch is None:
        batch = CodeBatch.objects.select_related("sku__product__brand").get(pk=batch_id)
        # The product's cover picture travels with it (as the prefetch the
        # page's picture filter reads).
        product = batch.sku.product
        first = cover(product)
        product._prefetched_objects_cache = {  # type: ignore[attr-defined]
            "images": [first] if first else []}
        cache.set(key, batch, BATCH_SECONDS)
    _local.set(key, batch)
    return batch


def forget_batches(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A lot, SKU, product or brand changed: the cached lots it shows drop."""
    from django.core.cache import cache

    from shequn.catalog.models import SKU, Organization, Product
    from shequn.trace.models import CodeBatch

    if isinstance(instance, CodeBatch):
        ids = [instance.pk]
    else:
        field = {SKU: "sku", Product: "sku__product",
                 Organization: "sku__product__brand"}[type(instance)]
        ids = list(CodeBatch.objects.filter(**{field: instance.pk})
                   .values_list("pk", flat=True)[:10_000])
    keys = [BATCH_KEY.format(i) for i in ids]
    cache.delete_many(keys)
    _local.discard(*keys)


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
    city_scans: int = 0  # checks with a (consented) city so far, this one included


def tally_of(unit: UnitCode) -> ScanResult | None:
    """The unit's checks so far, counting none (None before its first check)."""
    row = (ScanTally.objects.filter(unit=unit)
           .values_list("count", "first_at", "devices", "city_scans").first())
    return None if row is None else ScanResult(*row)


def record_scan(gtin: str, serial: str, *, unit: UnitCode | None, device: str,
                city: str = "") -> ScanResult:
    """Log one check of a code and say how many there were. Unknown codes are
    logged too (probes against a GTIN are a counterfeit signal). The counts
    come from the unit's tally, not from its log: a check costs the same
    whether it is the code's first or its fifty-thousandth."""
    now = clock.now()
    serial, city = serial[:20], city[:40]
    if unit is None:
        with transaction.atomic():
            Scan.objects.create(unit=None, gtin=gtin, serial=serial, at=now, device=device,
                                city=city)
            signals.count_probe(gtin, now)
        signals.on_unknown_code(gtin, now)
        return ScanResult(count=1, first_at=now, devices=1)
    kept: frozenset[str] = frozenset()
    if connection.vendor == "postgresql":
        _, checked, _, kept = _checked(unit.gtin, unit.serial, "", now, device, city)
        if checked is None:
            raise UnitCode.DoesNotExist(f"unit {unit.pk} is gone")
        result = checked
    else:
        with transaction.atomic():
            result = _record_with_orm(unit, gtin, serial, now, device, city)
    _raise_signals(unit, result, city, now, kept)
    return result


def _raise_signals(unit: UnitCode, result: ScanResult, city: str, now: dt.datetime,
                   kept: frozenset[str] = frozenset()) -> None:
    # Signals (checks of a few units in thousands) follow the check on their
    # own: they are derived from the tally, and the next check of the unit
    # brings a missed one up to date. ``kept``: the kinds of the unit's open
    # check signals the check's statement kept up itself (``_CHECK``).
    if signals.scan_may_raise(result.count, result.devices, city):
        signals.on_unit_scan(unit, result.count, result.devices, city, now,
                             first_city=bool(city) and result.city_scans == 1, kept=kept)


@dataclass(frozen=True)
class Check:
    """One check of a code: the unit (None for a code that is no unit's, or
    whose printed lot is not the unit's own), and the counts after it."""

    unit: UnitCode | None
    wrong_lot: bool
    scan: ScanResult


def check(gtin: str, serial: str, lot: str, *, device: str, city: str = "") -> Check:
    """Find the unit behind a scanned code and log the check (``record_scan``).
    A serial printed with another lot than its own is not that unit (a copied
    serial on another lot's label): it is checked as an unknown code. ``city``
    (consented) is kept only with a unit's check.

    On PostgreSQL the unit's read and the check's writes are one statement,
    the page's busiest: one round trip where there were two."""
    if connection.vendor != "postgresql":
        unit = find_unit(gtin, serial)
        wrong_lot = unit is not None and bool(lot) and lot != unit.batch.lot
        if wrong_lot:
            unit = None
        return Check(unit, wrong_lot, record_scan(gtin, serial, unit=unit, device=device,
                                                  city=city if unit is not None else ""))
    now = clock.now()
    row, result, rows, kept = _checked(gtin, serial, lot, now, device, city[:40])
    if row is None or result is None:  # no such unit, or not of this lot
        return Check(None, row is not None,
                     record_scan(gtin, serial, unit=None, device=device))
    unit = _unit_of_row(row)
    unit.batch = batch_of(unit.batch_id)
    unit._journey_rows = rows  # type: ignore[attr-defined]  # for journey()
    _raise_signals(unit, result, city[:40], now, kept)
    return Check(unit, False, result)


def _check_params(gtin: str, serial: str, lot: str, now: dt.datetime, device: str, city: str,
                  *, relaxed: bool) -> list[Any]:
    """``_CHECK``'s parameters; ``relaxed``: its transaction commits without
    waiting for the WAL flush."""
    return [gtin, serial, lot, now, device, city, gs1.canonical_unit(gtin, serial),
            gs1.canonical_carton(""), relaxed,
            min(signals.limit("repeat_scans"), signals.limit("devices"))]


def _checked(gtin: str, serial: str, lot: str, now: dt.datetime, device: str,
             city: str) -> tuple[Any, ScanResult | None, list[Any], frozenset[str]]:
    """``_CHECK``'s unit row (None: no unit has this code), the counts after
    this check (None: the unit is not of this lot, and nothing was written),
    the unit's and its cartons' event rows (shaped as ``_ROWS``'s) and the
    kinds of its open check signals that the statement kept up."""
    # Committed without waiting for the WAL flush when the statement is its own
    # transaction (decision 0015); inside a caller's transaction, as it commits.
    params = _check_params(gtin, serial, lot, now, device, city,
                           relaxed=not connection.in_atomic_block)
    with connection.cursor() as cur:
        fetched = _CHECK.execute(cur, params).fetchall()
    head, rows = None, []
    for r in fetched:  # the unit's row has no event; each event's row no unit
        if r[0] is not None:
            head = r
        else:
            rows.append(r[-_ROW_WIDTH:])
    if head is None:
        return None, None, [], frozenset()
    count, first, devices, cities, kept = head[_HEAD_WIDTH - 5:_HEAD_WIDTH]
    if count is None:
        return head, None, [], frozenset()
    return head, ScanResult(count=count, first_at=first, devices=devices,
                            city_scans=cities), rows, frozenset(kept or ())


# A unit's check as one statement: the unit (as ``_UNIT`` reads it) and, when
# its lot is the printed one ($3, or none printed), the log row, the device
# (inserted only if new) and the tally, whose update adds the device only when
# it was new. Atomic by itself: no BEGIN and COMMIT round trips. The tally's row
# lock orders concurrent checks of one unit, so each sees a count of its own.
# A unit without a tally (never checked, or checked before tallies were kept,
# by a worker still running the old code during an upgrade) starts it from its
# log: its earlier checks, devices and cities (the statement's snapshot does
# not hold its own log row, which is added in). Nothing is backfilled while the
# upgrade runs. No row: no unit has this code; tally columns NULL: another lot.
# The same statement also reads the unit's events and those of its cartons (as
# ``_ROWS`` does; $7 is the unit's canonical EPC, $8 the stem of a carton's):
# one round trip per check where there were two. They come as rows of their
# own after the unit's, NULL where the other's columns are: the unit's columns
# repeated on every event's row cost more to read (their times parsed anew).
# The unit, found's 7, the tally's 4 and the kinds of check signals kept up.
_HEAD_WIDTH = rawrows.width(UnitCode) + 7 + 4 + 1
# The check signals of a unit (signals.on_unit_scan) whose open ones the check
# keeps up itself, as signals._keep_up would: evidence brought up to the tally,
# never back, on every check up to EXACT_UP_TO and at most once per REFRESH
# after that. The statement also says which of them are open and already name
# the unit's order: when those are all the check needs, nothing more is read
# or written for it (a copied code's checks, by the thousand, cost one round
# trip each; the first check past a threshold, a dismissed signal or a new
# order still go through signals.on_unit_scan). $10: the lowest threshold
# (no lookup below it).
_CHECK_KINDS = ", ".join(f"'{kind.value}'" for kind in signals.CHECK_KINDS)
_REFRESH_SECONDS = int(signals.REFRESH.total_seconds())
_CHECK = prepared.Statement(
    "verify_check_journey",
    ("text", "text", "text", "timestamptz", "text", "text", "text", "text", "boolean",
     "integer"),
    f"""WITH found AS MATERIALIZED (
        SELECT {rawrows.columns(UnitCode, 'u')},
               c.sscc AS c_sscc, lc.sscc AS lc_sscc, l.order_id, o.number, o.province, o.city,
               ($3 = '' OR b.lot = $3) AS lot_ok
        FROM trace_unitcode u
        JOIN trace_codebatch b ON b.id = u.batch_id
        LEFT JOIN trace_carton c ON c.id = u.carton_id
        LEFT JOIN trace_carton lc ON lc.id = u.last_carton_id
        LEFT JOIN orders_orderline l ON l.id = u.order_line_id
        LEFT JOIN orders_order o ON o.id = l.order_id
        WHERE u.gtin = $1 AND u.serial = $2),
    target AS (SELECT id FROM found WHERE lot_ok),
    logged AS (
        INSERT INTO trace_scan (unit_id, gtin, serial, at, device, city)
        SELECT id, $1, $2, $4, $5, $6 FROM target
        -- $9: this statement's transaction commits without waiting for its
        -- WAL flush (decision 0015). CASE: set only when asked.
        WHERE CASE WHEN $9 THEN set_config('synchronous_commit', 'off', true) = 'off'
                   ELSE true END),
    untallied AS (
        SELECT NOT EXISTS (SELECT 1 FROM trace_scantally
                           WHERE unit_id = (SELECT id FROM target)) AS yes),
    earlier AS (
        SELECT count(*) AS n, min(at) AS first_at, count(DISTINCT device) AS devices,
               count(*) FILTER (WHERE city <> '') AS cities,
               bool_or(device = $5) AS seen
        FROM trace_scan
        WHERE unit_id = (SELECT id FROM target) AND (SELECT yes FROM untallied)),
    earlier_devices AS (
        INSERT INTO trace_scandevice (unit_id, device)
        SELECT DISTINCT unit_id, device FROM trace_scan
        WHERE unit_id = (SELECT id FROM target) AND (SELECT yes FROM untallied)
        ON CONFLICT DO NOTHING),
    new_device AS (
        INSERT INTO trace_scandevice (unit_id, device) SELECT id, $5 FROM target
        ON CONFLICT DO NOTHING RETURNING 1),
    tally AS (
        INSERT INTO trace_scantally AS t (unit_id, count, first_at, devices, city_scans)
        SELECT target.id, e.n + 1, LEAST(e.first_at, $4),
               e.devices + CASE WHEN coalesce(e.seen, false) THEN 0 ELSE 1 END,
               e.cities + CASE WHEN $6 = '' THEN 0 ELSE 1 END
        FROM target, earlier e
        ON CONFLICT (unit_id) DO UPDATE SET
            count = t.count + 1,
            first_at = LEAST(t.first_at, $4),
            devices = t.devices + (SELECT count(*) FROM new_device),
            city_scans = t.city_scans + CASE WHEN $6 = '' THEN 0 ELSE 1 END
        RETURNING t.count, t.first_at, t.devices, t.city_scans),
    kept_up AS (
        UPDATE trace_signal s
        SET evidence = jsonb_build_object('count', tally.count, 'devices', tally.devices),
            updated_at = $4
        FROM tally
        WHERE tally.count >= $10
          AND s.kind IN ({_CHECK_KINDS}) AND s.status = 'open'
          AND s.subject = 'unit:' || (SELECT id FROM target)
          AND (s.evidence ->> 'count')::bigint < tally.count
          AND (tally.count <= {signals.EXACT_UP_TO}
               OR s.updated_at <= $4 - make_interval(secs => {_REFRESH_SECONDS}))),
    kept AS (
        SELECT array_agg(s.kind) AS kinds FROM trace_signal s
        WHERE (SELECT count FROM tally) >= $10
          AND s.kind IN ({_CHECK_KINDS}) AND s.status = 'open'
          AND s.subject = 'unit:' || (SELECT id FROM target)
          AND coalesce(jsonb_exists(s.order_numbers, (SELECT number FROM found)), true)),
    events AS ({_ROWS_SELECT}
        WHERE i.epc = ANY ((SELECT ARRAY[$7, $8 || c_sscc, $8 || lc_sscc]
                            FROM found WHERE lot_ok)::text[]))
    SELECT found.*, tally.*, (SELECT kinds FROM kept), {', '.join(['NULL'] * _ROW_WIDTH)}
    FROM found LEFT JOIN tally ON true
    UNION ALL
    SELECT {', '.join(['NULL'] * _HEAD_WIDTH)}, events.* FROM events""")  # noqa: S608


def _record_with_orm(unit: UnitCode, gtin: str, serial: str, now: dt.datetime, device: str,
                     city: str) -> ScanResult:
    """``record_scan``'s writes for SQLite (the demo), in the caller's transaction
    (SQLite runs one writer at a time). A unit without a tally starts it from
    its log, as on PostgreSQL."""
    from django.db.models import Count, F, Min, Q
    from django.db.models.functions import Least

    Scan.objects.create(unit=unit, gtin=gtin, serial=serial, at=now, device=device, city=city)
    if ScanTally.objects.filter(unit=unit).exists():
        _, new_device = ScanDevice.objects.get_or_create(unit=unit, device=device)
        ScanTally.objects.filter(unit=unit).update(
            count=F("count") + 1, first_at=Least(F("first_at"), now),
            devices=F("devices") + int(new_device),
            city_scans=F("city_scans") + (1 if city else 0))
    else:
        log = Scan.objects.filter(unit=unit)  # this check included
        ScanDevice.objects.bulk_create(
            [ScanDevice(unit=unit, device=d)
             for d in log.values_list("device", flat=True).order_by().distinct()],
            ignore_conflicts=True)
        agg = log.aggregate(n=Count("pk"), first=Min("at"),
                            devices=Count("device", distinct=True),
                            cities=Count("pk", filter=~Q(city="")))
        ScanTally.objects.create(unit=unit, count=agg["n"], first_at=agg["first"],
                                 devices=agg["devices"], city_scans=agg["cities"])
    tally = ScanTally.objects.get(unit=unit)
    return ScanResult(count=tally.count, first_at=tally.first_at, devices=tally.devices,
                      city_scans=tally.city_scans)


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


def reports_of(org: Organization | None) -> QuerySet[CounterfeitReport]:
    """Counterfeit reports a console shows, newest first: those about a brand's
    own GTINs (``org``), or all (None, operators)."""
    qs = CounterfeitReport.objects.select_related("brand").order_by("-at", "-pk")
    return qs if org is None else qs.filter(brand=org)


def forget_cover(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A picture changed: the lots of its product (which carry its cover) drop."""
    from shequn.catalog.models import Product

    forget_batches(Product, Product(pk=instance.product_id))


def connect_cache_invalidation() -> None:
    from django.db.models.signals import post_delete, post_save

    from shequn.catalog.models import SKU, Organization, Product, ProductImage
    from shequn.trace.models import CodeBatch

    post_save.connect(forget_cover, sender=ProductImage, dispatch_uid="verify.cover.save")
    post_delete.connect(forget_cover, sender=ProductImage, dispatch_uid="verify.cover.delete")
    for model in (CodeBatch, SKU, Product, Organization):
        post_save.connect(forget_batches, sender=model, dispatch_uid=f"verify.batch.{model}")
        post_delete.connect(forget_batches, sender=model,
                            dispatch_uid=f"verify.batch.del.{model}")


def chain_of(product: Any, sku: Any) -> Any:
    """The authorization chain shown on the page, cached for a few minutes per
    SKU and day (it changes when grants change, rarely; scans are many)."""
    from django.core.cache import cache

    from shequn.brands import chain

    key = f"verify:chain:{sku.pk}:{chain.today().isoformat()}"
    found = _local.get(key)
    if found is localcache.MISSING:
        found = cache.get(key)
        if found is None:
            found = chain.chain_for_product(product, sku) or False
            cache.set(key, found, 120)
        _local.set(key, found)
    return found or None
