"""One place that tells the time, so tests can move it (e.g. past a payment timeout)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

_offset = dt.timedelta(0)


def now() -> dt.datetime:
    return timezone.now() + _offset


def advance(delta: dt.timedelta) -> None:
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)


def today() -> dt.date:
    """Today's date where the business runs (settings.TIME_ZONE, Asia/Shanghai):
    between 00:00 and 08:00 there it is still yesterday in UTC, and dates such
    as expiry, birth and 'today's signals' are China dates."""
    return timezone.localdate(now())
