"""How long the record of a check of a code is kept, its city less long, and
the probe tallies.

The city is sensitive personal information (PIPL Art. 28: whereabouts), kept
only with the person's consent and only to compare a unit's first checks with
where it was delivered. That comparison is made when the check arrives; the
city stays on the check for ``SHEQUN["SCAN_CITY_DAYS"]`` days (default 90) so a
reviewer can look at a signal's evidence, and is erased after that, from the
checks and from the evidence of "first checked far away" signals (which keep
the consignee's city and say the check's was erased). The counts (the unit's
tally) remain. The check itself (its time and the browser's keyed hash) is
deleted after ``SHEQUN["SCAN_LOG_DAYS"]`` days (default 365: PIPL Art. 19, the
shortest period necessary; a year covers the shelf life of most goods and a
brand's look into a signal); the hashes of the devices that checked a unit go
when none of its checks is left. Hourly probe tallies are kept two days (the
probe signal reads one).

A counterfeit report holds what its reporter typed (where it was bought, a
note: free text that may name a shop, a person or a phone) and the browser's
keyed hash: it is deleted after ``SHEQUN["REPORT_DAYS"]`` days (default 365,
long enough for the brand to look into it and act; the privacy notice says
so). What a brand concluded lives in its own records, not in the report."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from shequn.core import clock
from shequn.trace.models import CounterfeitReport, ProbeTally, Scan, ScanDevice, Signal

CITY_DAYS = 90
LOG_DAYS = 365
REPORT_DAYS = 365
BATCH = 5000  # rows per statement: short transactions on a busy log


def city_days() -> int:
    return int(settings.SHEQUN.get("SCAN_CITY_DAYS", CITY_DAYS))


def log_days() -> int:
    return int(settings.SHEQUN.get("SCAN_LOG_DAYS", LOG_DAYS))


def report_days() -> int:
    return int(settings.SHEQUN.get("REPORT_DAYS", REPORT_DAYS))


def delete_old_checks(now: dt.datetime | None = None) -> int:
    """Delete the checks older than the log's retention period; how many.

    The log is read oldest first along its primary key (ids follow time), a
    batch at a time, and the run stops at the first batch that holds a check
    still within the period: no index on the time to write on every check, and
    no walk over the young part of the log once the old part is gone. A check
    a little older than one logged before it (clocks of two workers) waits for
    the next run."""
    cutoff = (now or clock.now()) - dt.timedelta(days=log_days())
    deleted = 0
    while True:
        oldest = list(Scan.objects.order_by("pk").values_list("pk", "at", "unit_id")[:BATCH])
        old = [(pk, unit) for pk, at, unit in oldest if at < cutoff]
        if old:
            with transaction.atomic():
                Scan.objects.filter(pk__in=[pk for pk, _ in old]).delete()
                _forget_devices({unit for _, unit in old if unit is not None})
            deleted += len(old)
        if len(old) < BATCH:
            return deleted


def _forget_devices(units: set[int]) -> None:
    """The device hashes of those units with no check left in the log. The
    tally keeps its counts; a device that checks such a unit again counts as
    a new one (it is one, for all Shequn still knows)."""
    if units:
        (ScanDevice.objects.filter(unit_id__in=units)
         .exclude(unit_id__in=Scan.objects.filter(unit_id__in=units).values("unit_id"))
         .delete())


def erase_old_cities(now: dt.datetime | None = None) -> int:
    """Erase the city of checks older than the retention period; how many."""
    cutoff = (now or clock.now()) - dt.timedelta(days=city_days())
    erased = 0
    while True:
        ids = list(Scan.objects.filter(at__lt=cutoff).exclude(city="")
                   .values_list("pk", flat=True)[:BATCH])
        if not ids:
            return erased
        erased += Scan.objects.filter(pk__in=ids).update(city="")


def erase_old_signal_cities(now: dt.datetime | None = None) -> int:
    """Erase the check's city from far-check signals last updated before the
    retention period; how many."""
    cutoff = (now or clock.now()) - dt.timedelta(days=city_days())
    erased = 0
    for row in (Signal.objects.filter(kind=Signal.Kind.FAR_SCAN, updated_at__lt=cutoff)
                .exclude(evidence__scan_city="").only("pk", "evidence").iterator()):
        evidence = {**row.evidence, "scan_city": ""}
        erased += Signal.objects.filter(pk=row.pk).update(evidence=evidence)
    return erased


def delete_old_reports(now: dt.datetime | None = None) -> int:
    """Delete the counterfeit reports older than their retention period; how
    many (a batch per statement: few rows, but the job must not hold a long
    transaction)."""
    cutoff = (now or clock.now()) - dt.timedelta(days=report_days())
    deleted = 0
    while True:
        ids = list(CounterfeitReport.objects.filter(at__lt=cutoff)
                   .values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += CounterfeitReport.objects.filter(pk__in=ids).delete()[0]


def prune_probe_tallies(now: dt.datetime | None = None) -> int:
    cutoff = (now or clock.now()) - dt.timedelta(days=2)
    return ProbeTally.objects.filter(hour__lt=cutoff).delete()[0]


def erase_job() -> int:
    """The periodic job: at most once an hour across workers."""
    from django.core.cache import cache

    if not cache.add("trace:scan_cities", 1, 3600):
        return 0
    return (erase_old_cities() + erase_old_signal_cities() + prune_probe_tallies()
            + delete_old_checks() + delete_old_reports())
