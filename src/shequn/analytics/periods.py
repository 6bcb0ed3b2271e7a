"""Local-calendar windows: "today", "7 days", "30 days" end now and start at local
midnight (Asia/Shanghai), so a day means what the leader sees on their phone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequn.core import clock


@dataclass(frozen=True)
class Period:
    key: str
    label: str | Promise  # translated when shown
    days: int  # calendar days including today

    def start(self, now: dt.datetime | None = None) -> dt.datetime:
        return local_midnight(local_today(now) - dt.timedelta(days=self.days - 1))


PERIODS = (Period("today", _("Today"), 1), Period("d7", _("Last 7 days"), 7),
           Period("d30", _("Last 30 days"), 30))


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or clock.now()).date()


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min),
                               timezone.get_current_timezone())


def day_range(days: int, now: dt.datetime | None = None) -> list[dt.date]:
    """The last ``days`` local calendar days, oldest first, today last."""
    today = local_today(now)
    return [today - dt.timedelta(days=days - 1 - i) for i in range(days)]
