"""Signals for brands and operators: patterns worth a look, each explained by
its evidence and linked to the units and orders behind it. A signal is never a
penalty: people dismiss it with a reason (audited) or act on it themselves.

Scan patterns are raised as scans arrive (verify.record_scan); resale and order
splitting of CBEC goods (which may not be resold) by a periodic job over recent
orders (``scan_orders``). Thresholds come from settings.SHEQUN["TRACE_SIGNALS"]."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from shequn.catalog.models import Organization
from shequn.core import audit, clock
from shequn.trace.models import ProbeTally, Signal, UnitCode

DEFAULTS = {
    "repeat_scans": 5,  # checks of one unit
    "devices": 3,  # distinct devices checking one unit
    "probes": 3,  # unknown serials of one GTIN within probe_hours
    "probe_hours": 24,
    "id_units": 12,  # units of one SKU bought by one resident ID within id_days
    "id_days": 30,
    "ids_per_address": 3,  # distinct resident IDs shipping to one address within 90 days
    "leader_buyers": 5,  # a leader's distinct buyer IDs …
    "leader_addresses": 2,  # … on at most this many addresses (90 days)
    "order_days": 90,
    "scan_every_seconds": 3600,
}


def limit(name: str) -> int:
    return int(settings.SHEQUN.get("TRACE_SIGNALS", {}).get(name, DEFAULTS[name]))


def _raise(kind: str, subject: str, org: Organization | None, evidence: dict[str, Any],
           *, units: Iterable[UnitCode] = (), orders: Iterable[str] = (),
           grows: str | None = None) -> Signal:
    """Open a signal, or bring the open one of (kind, subject) up to date
    (with ``grows``: only to evidence newer than it holds, see ``_keep_up``)."""
    with transaction.atomic():
        return _raise_locked(kind, subject, org, evidence, units=units, orders=orders,
                             grows=grows)


def _raise_locked(kind: str, subject: str, org: Organization | None, evidence: dict[str, Any],
                  *, units: Iterable[UnitCode], orders: Iterable[str],
                  grows: str | None) -> Signal:
    now = clock.now()
    row = (Signal.objects.select_for_update()
           .filter(kind=kind, subject=subject, status=Signal.Status.OPEN).first())
    if row is None:
        try:
            with transaction.atomic():
                row = Signal.objects.create(kind=kind, subject=subject[:120], org=org,
                                            evidence=evidence, created_at=now,
                                            updated_at=now, order_numbers=sorted(set(orders)))
        except IntegrityError:  # opened by a concurrent scan: update that one
            row = Signal.objects.select_for_update().get(
                kind=kind, subject=subject, status=Signal.Status.OPEN)
    if grows is not None and int(row.evidence.get(grows, 0)) >= evidence[grows]:
        evidence = row.evidence  # a later check got here first
    if row.evidence != evidence or set(orders) - set(row.order_numbers):
        row.evidence = evidence
        row.order_numbers = sorted(set(row.order_numbers) | set(orders))[:200]
        row.updated_at = now
        row.save(update_fields=["evidence", "order_numbers", "updated_at"])
    unit_list = list(units)
    if unit_list:
        row.units.add(*unit_list)
    return row


# Evidence of an open signal follows every check up to this many; after that
# (a copied code checked by the thousand) it is brought up to date at most once
# per REFRESH: each update is a commit, and the count is no less telling.
EXACT_UP_TO = 50
REFRESH = dt.timedelta(seconds=60)


def _keep_up(subject: str, org: Organization | None, evidence: dict[str, Any],
             kinds: dict[str, str], *, grows: str | None, units: Iterable[UnitCode] = (),
             orders: Iterable[str] = (), renew_after: dt.timedelta | None = None) -> None:
    """Open or update the signals ``kinds`` (kind → the evidence member it is
    about) of ``subject`` as checks go on. ``grows``: the member that increases
    with every check, which orders updates (a late check never writes older
    evidence over newer); None for a measure over a sliding window, which may
    go down and is simply kept current.

    One read of the subject's signals; open ones are updated by one statement
    (no row lock held across round trips: checks of a copied code arrive by
    the thousand). A dismissed signal opens again once its measure has doubled
    since, or (``renew_after``) once the dismissal is that old: a reviewer's
    dismissal is not undone by the next check, a pattern that goes on or comes
    back is asked about again."""
    now = clock.now()
    latest: dict[str, tuple[Any, ...]] = {}
    for kind, *row in (Signal.objects.filter(subject=subject, kind__in=list(kinds))
                       .order_by("kind", "-pk")
                       .values_list("kind", "pk", "status", "evidence", "order_numbers",
                                    "updated_at")):
        latest.setdefault(kind, tuple(row))
    behind = []
    for kind, measure in kinds.items():
        if kind not in latest:
            _raise(kind, subject, org, evidence, units=units, orders=orders, grows=grows)
            continue
        pk, status, known, known_orders, updated = latest[kind]
        if status != Signal.Status.OPEN:
            if (evidence[measure] >= 2 * int(known.get(measure, 0))
                    or (renew_after is not None and updated <= now - renew_after)):
                _raise(kind, subject, org, evidence, units=units, orders=orders, grows=grows)
        elif set(orders) - set(known_orders):
            _raise(kind, subject, org, evidence, units=units, orders=orders, grows=grows)
        elif _behind(known, evidence, grows) and (
                _size(evidence, grows, measure) <= EXACT_UP_TO or updated <= now - REFRESH):
            behind.append(pk)
    if behind:
        rows = Signal.objects.filter(pk__in=behind, status=Signal.Status.OPEN)
        if grows is not None:
            rows = rows.filter(**{f"evidence__{grows}__lt": evidence[grows]})
        rows.update(evidence=evidence, updated_at=now)


def _behind(known: dict[str, Any], evidence: dict[str, Any], grows: str | None) -> bool:
    if grows is None:
        return bool(known != evidence)
    return int(known.get(grows, 0)) < int(evidence[grows])


def _size(evidence: dict[str, Any], grows: str | None, measure: str) -> int:
    return int(evidence[grows if grows is not None else measure])


def _brand_of_unit(unit: UnitCode) -> Organization | None:
    return unit.batch.sku.product.brand


def scan_may_raise(count: int, devices: int, city: str) -> bool:
    """Whether ``on_unit_scan`` could raise anything for this check (it reads
    and writes only then)."""
    return count >= limit("repeat_scans") or devices >= limit("devices") or bool(city)


def on_unit_scan(unit: UnitCode, count: int, devices: int, city: str, now: dt.datetime,
                 *, first_city: bool = False, kept: frozenset[str] = frozenset()) -> None:
    """Signals of one check of a unit, from its tally: ``count`` checks from
    ``devices`` devices so far; ``first_city``: this is the first check whose
    city is known (only those are compared with the consignee's). ``kept``:
    the kinds whose open signal, naming the unit's order, the check's own
    statement kept up (trace.verify._CHECK): nothing more to do for those."""
    kinds = {}
    if count >= limit("repeat_scans"):
        kinds[Signal.Kind.REPEAT_SCANS.value] = "count"
    if devices >= limit("devices"):
        kinds[Signal.Kind.MANY_DEVICES.value] = "devices"
    line = unit.order_line
    keep_up = bool(kinds) and not set(kinds) <= kept
    if not keep_up and not (first_city and line is not None):
        return  # a copied code's checks, kept up by the check's own statement
    brand = _brand_of_unit(unit)
    orders = [line.order.number] if line is not None else []
    subject = f"unit:{unit.pk}"
    if keep_up:
        _keep_up(subject, brand, {"count": count, "devices": devices}, kinds, grows="count",
                 units=[unit], orders=orders)
    if first_city and line is not None:
        consignee = line.order.city or line.order.province
        if consignee and city != consignee:
            _raise(Signal.Kind.FAR_SCAN, subject, brand,
                   {"scan_city": city, "consignee_city": consignee}, units=[unit],
                   orders=orders)


def _hour(at: dt.datetime) -> dt.datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _unit_of(subject: str) -> int:
    """The unit id of a signal subject ``unit:<id>``."""
    return int(subject.removeprefix("unit:"))


def count_probe(gtin: str, now: dt.datetime) -> None:
    """Count a check of an unknown serial of ``gtin`` in its hour: one upsert
    (run it last in its transaction: the hour's row stays locked until commit)."""
    from django.db import connection

    hour = _hour(now)
    with connection.cursor() as cur:
        cur.execute("INSERT INTO trace_probetally (gtin, hour, count) VALUES (%s, %s, 1) "
                    "ON CONFLICT (gtin, hour) DO UPDATE SET count = trace_probetally.count + 1",
                    [gtin, connection.ops.adapt_datetimefield_value(hour)])


def on_unknown_code(gtin: str, now: dt.datetime) -> None:
    """Raise or update the probe signal when the last day's hours (23 to 24
    hours: whole hours) hold enough unknown serials of ``gtin``. Runs after
    the check's own transaction: it reads, and writes only the signal."""
    from shequn.trace.gtins import sku_of_gtin

    hours = limit("probe_hours")
    hour = _hour(now)
    n = ProbeTally.objects.filter(gtin=gtin, hour__gt=hour - dt.timedelta(hours=hours)
                                  ).aggregate(n=Sum("count"))["n"] or 0
    if n >= limit("probes"):
        sku = sku_of_gtin(gtin)
        # The count is over a sliding day: it may go down, so it does not order
        # updates; a dismissed probe signal opens again for a new day of probes.
        _keep_up(f"probe:{gtin}", sku.product.brand if sku else None,
                 {"gtin": gtin, "unknown_codes": n, "hours": hours},
                 {Signal.Kind.PROBES.value: "unknown_codes"}, grows=None,
                 renew_after=dt.timedelta(hours=hours))


CHECK_KINDS = (Signal.Kind.REPEAT_SCANS, Signal.Kind.MANY_DEVICES)
# Resale of CBEC goods (one buyer ID, unusual quantities) is a customs matter
# the platform answers for: the brand sees the signal about its goods, only an
# operator closes it (a brand's dismissal closed it on the operators' page too).
OPERATOR_KINDS = (Signal.Kind.ID_VOLUME,)


def refresh_check_signals(now: dt.datetime | None = None) -> int:
    """Bring the evidence of open signals about a unit's checks up to its tally
    (past EXACT_UP_TO checks a check updates it at most once per REFRESH, so
    the last checks of a burst may not have); how many were updated."""
    from shequn.trace.models import ScanTally

    now = now or clock.now()
    stale = list(Signal.objects.filter(status=Signal.Status.OPEN, kind__in=CHECK_KINDS,
                                       subject__startswith="unit:",
                                       updated_at__lte=now - REFRESH)
                 .values_list("pk", "subject", "evidence")[:10_000])
    tallies = {t.unit_id: t for t in ScanTally.objects.filter(
        unit_id__in={_unit_of(subject) for _, subject, _ in stale})}
    updated = 0
    for pk, subject, evidence in stale:
        tally = tallies.get(_unit_of(subject))
        if tally is not None and tally.count > int(evidence.get("count", 0)):
            updated += Signal.objects.filter(pk=pk, status=Signal.Status.OPEN).update(
                evidence={"count": tally.count, "devices": tally.devices}, updated_at=now)
    return updated


@transaction.atomic
def scan_orders(now: dt.datetime | None = None) -> int:
    """Resale and order-splitting patterns over recent paid orders; returns how
    many signals were opened or updated. Only hashes and masked values are kept."""
    from shequn.orders.models import Order, OrderLine

    now = now or clock.now()
    paid = ~Q(order__state__in=["pending_payment", "cancelled", "refunded"])
    raised = 0
    since = now - dt.timedelta(days=limit("id_days"))
    heavy = (OrderLine.objects.filter(paid, order__created_at__gte=since)
             .values("order__buyer_id_hash", "sku_id", "sku__product__brand_id")
             .annotate(units=Sum("qty")).filter(units__gt=limit("id_units")))
    for row in heavy:
        lines = OrderLine.objects.filter(paid, order__created_at__gte=since,
                                         order__buyer_id_hash=row["order__buyer_id_hash"],
                                         sku_id=row["sku_id"]).select_related("order", "sku")
        orders = sorted({ln.order.number for ln in lines})
        first = lines[0]
        _raise(Signal.Kind.ID_VOLUME, f"id:{row['order__buyer_id_hash'][:24]}:{row['sku_id']}",
               Organization.objects.filter(pk=row["sku__product__brand_id"]).first(),
               {"buyer_id": first.order.buyer_id_masked, "sku": first.sku.code,
                "units": row["units"], "days": limit("id_days")}, orders=orders)
        raised += 1
    window = Order.objects.filter(created_at__gte=now - dt.timedelta(days=limit("order_days"))
                                  ).exclude(state__in=["pending_payment", "cancelled"])
    shared = (window.values("district_code", "address_detail")
              .annotate(ids=Count("buyer_id_hash", distinct=True))
              .filter(ids__gte=limit("ids_per_address")))
    for place in shared:
        orders_at = window.filter(district_code=place["district_code"],
                                  address_detail=place["address_detail"])
        sample = orders_at.first()
        assert sample is not None
        _raise(Signal.Kind.SHARED_ADDRESS,
               f"addr:{place['district_code']}:{hash_text(place['address_detail'])}", None,
               {"district": f"{sample.province}{sample.city}{sample.district}",
                "address": mask_address(place["address_detail"]), "ids": place["ids"]},
               orders=[o.number for o in orders_at[:200]])
        raised += 1
    leaders = (window.exclude(leader=None).values("leader_id")
               .annotate(buyers=Count("buyer_id_hash", distinct=True),
                         addresses=Count("address_detail", distinct=True))
               .filter(buyers__gte=limit("leader_buyers"),
                       addresses__lte=limit("leader_addresses")))
    for lead in leaders:
        orders_of = window.filter(leader_id=lead["leader_id"])
        _raise(Signal.Kind.LEADER_ADDRESSES, f"leader:{lead['leader_id']}", None,
               {"leader": lead["leader_id"], "buyers": lead["buyers"],
                "addresses": lead["addresses"]},
               orders=[o.number for o in orders_of[:200]])
        raised += 1
    return raised


def hash_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def mask_address(detail: str) -> str:
    """The first characters of a street address and stars: enough to see that
    orders share it, not enough to find the door."""
    return detail[:4] + "****" if len(detail) > 4 else "****"


@transaction.atomic
def dismiss(signal_id: int, actor: Any, note: str, *, org: Organization | None = None
            ) -> Signal:
    """Close a signal with the reviewer's reason. ``org``: a brand may dismiss
    only its own signals (None = an operator, any)."""
    from shequn.trace.errors_verify import VerifyError

    qs = Signal.objects.select_for_update().filter(pk=signal_id)
    if org is not None:
        qs = qs.filter(org=org)
    row = qs.first()
    if row is None:
        raise VerifyError.SIGNAL_NOT_FOUND.error()
    if org is not None and row.kind in OPERATOR_KINDS:
        raise VerifyError.OPERATORS_DISMISS.error()
    if row.status != Signal.Status.OPEN:
        raise VerifyError.SIGNAL_CLOSED.error()
    note = note.replace("\x00", "")  # PostgreSQL text cannot hold NUL (it was a 500)
    if not note.strip():
        raise VerifyError.NOTE_REQUIRED.error()
    if row.kind in CHECK_KINDS and row.subject.startswith("unit:"):
        # What was dismissed is the pattern as it stands (the evidence of a
        # much-checked code may lag its tally): doubling is counted from it.
        from shequn.trace.models import ScanTally

        tally = ScanTally.objects.filter(unit_id=_unit_of(row.subject)).first()
        if tally is not None and tally.count > int(row.evidence.get("count", 0)):
            row.evidence = {"count": tally.count, "devices": tally.devices}
    row.status = Signal.Status.DISMISSED
    row.note = note.strip()[:300]
    row.dismissed_by = actor
    row.updated_at = clock.now()
    row.save(update_fields=["status", "note", "dismissed_by", "updated_at", "evidence"])
    audit.record(actor, "trace.signal_dismissed", row, kind=row.kind, note=row.note)
    return row


def listing(org: Organization | None, *, status: str = "open", kind: str = "") -> Any:
    """Signals a console shows: a brand's own (``org``), or all (None, operators)."""
    qs = Signal.objects.all().select_related("org").prefetch_related("units")
    if org is not None:
        qs = qs.filter(org=org)
    if status in (Signal.Status.OPEN, Signal.Status.DISMISSED):
        qs = qs.filter(status=status)
    if kind in Signal.Kind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("-updated_at", "-pk")


def per_day(org: Organization | None, days: int = 30) -> tuple[list[str], dict[str, list[int]]]:
    """Signals opened per day and kind over the last ``days`` days (the chart)."""
    from django.db.models.functions import TruncDate

    today = clock.today()
    first = today - dt.timedelta(days=days - 1)
    qs = Signal.objects.filter(created_at__date__gte=first)
    if org is not None:
        qs = qs.filter(org=org)
    rows = qs.annotate(day=TruncDate("created_at")).values("day", "kind").annotate(n=Count("pk"))
    labels = [(first + dt.timedelta(days=i)).isoformat() for i in range(days)]
    out: dict[str, list[int]] = {}
    for row in rows:
        series = out.setdefault(row["kind"], [0] * days)
        i = (row["day"] - first).days
        if 0 <= i < days:
            series[i] += row["n"]
    return labels, out


def scan_orders_job() -> int:
    """The periodic job: ``scan_orders`` at most once an hour across all workers
    (the job runner calls every job every few seconds; the scan reads 90 days),
    and the evidence of signals about checks brought up to the units' tallies."""
    from django.core.cache import cache

    if not cache.add("trace:scan_orders", 1, limit("scan_every_seconds")):
        return 0
    return scan_orders() + refresh_check_signals()
