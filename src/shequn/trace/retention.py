"""How long a check of a code keeps the checker's city, and the probe tallies.

The city is sensitive personal information (PIPL Art. 28: whereabouts), kept
only with the person's consent and only to compare a unit's first checks with
where it was delivered. That comparison is made when the check arrives; the
city stays on the check for ``SHEQUN["SCAN_CITY_DAYS"]`` days (default 90) so a
reviewer can look at a signal's evidence, and is erased after that, from the
checks and from the evidence of "first checked far away" signals (which keep
the consignee's city and say the check's was erased). The counts (the unit's
tally) remain. Hourly probe tallies are kept two days (the probe signal reads
one)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from shequn.core import clock
from shequn.trace.models import ProbeTally, Scan, Signal

CITY_DAYS = 90
BATCH = 5000  # rows per statement: short transactions on a busy log


def city_days() -> int:
    return int(settings.SHEQUN.get("SCAN_CITY_DAYS", CITY_DAYS))


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


def prune_probe_tallies(now: dt.datetime | None = None) -> int:
    cutoff = (now or clock.now()) - dt.timedelta(days=2)
    return ProbeTally.objects.filter(hour__lt=cutoff).delete()[0]


def erase_job() -> int:
    """The periodic job: at most once an hour across workers."""
    from django.core.cache import cache

    if not cache.add("trace:scan_cities", 1, 3600):
        return 0
    return erase_old_cities() + erase_old_signal_cities() + prune_probe_tallies()
