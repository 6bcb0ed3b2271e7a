"""The numbers on a leader's dashboard: visits, orders, conversion (checkouts per
visit, as in analytics.funnels), goods value and commission for today, 7 and 30
days, plus a daily series for the charts.

Two queries for the three windows (conditional aggregates), two more for the daily
series, one for the commission figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shequn.analytics.funnels import ZERO, sales, valid_visits
from shequn.analytics.periods import PERIODS, Period, day_range, local_midnight
from shequn.orders.selectors import net_paid


@dataclass
class PeriodStats:
    period: Period
    visits: int = 0
    visitors: int = 0
    orders: int = 0
    checkouts: int = 0  # conversion counts checkouts (see analytics.funnels)
    gmv: Decimal = ZERO  # paid on the attributed sales, less the refunds of returns
    commission_pending: Decimal = ZERO
    commission_settled: Decimal = ZERO
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def conversion_pct(self) -> str:
        if not self.visits:
            return "—"
        return f"{Decimal(self.checkouts) * 100 / Decimal(self.visits):.1f}%"


def commission_by_period(leader: Any, starts: dict[str, dt.datetime]
                         ) -> dict[str, tuple[Decimal, Decimal]]:
    """(pending, settled) commission per window, by when the line was earned (the
    sale was paid), in its current state: pending counts ``amount − reversed``,
    settled counts ``amount − reversed − clawed back``; reversed lines count in neither."""
    from shequn.commission.models import CommissionLine

    L = CommissionLine.State
    pending_net = F("amount") - F("reversed_amount")
    settled_net = F("amount") - F("reversed_amount") - F("clawed_amount")
    agg: dict[str, Any] = {}
    for key, start in starts.items():
        agg[f"{key}_p"] = Sum(pending_net, filter=Q(state=L.PENDING, created_at__gte=start))
        agg[f"{key}_s"] = Sum(settled_net, filter=Q(state=L.SETTLED, created_at__gte=start))
    row = CommissionLine.objects.filter(leader=leader).aggregate(**agg)
    return {key: (row[f"{key}_p"] or ZERO, row[f"{key}_s"] or ZERO) for key in starts}


def leader_summary(leader: Any, now: dt.datetime | None = None) -> list[PeriodStats]:
    starts = {p.key: p.start(now) for p in PERIODS}
    oldest = min(starts.values())
    vagg: dict[str, Any] = {}
    oagg: dict[str, Any] = {}
    for key, start in starts.items():
        vagg[f"{key}_v"] = Count("pk", filter=Q(at__gte=start))
        vagg[f"{key}_u"] = Count("session_key", distinct=True,
                                 filter=Q(at__gte=start) & ~Q(session_key=""))
        oagg[f"{key}_n"] = Count("pk", filter=Q(paid_at__gte=start))
        oagg[f"{key}_c"] = Count("checkout_id", distinct=True, filter=Q(paid_at__gte=start))
        oagg[f"{key}_g"] = Sum(net_paid(), filter=Q(paid_at__gte=start))
    v = valid_visits(oldest, None, leader).aggregate(**vagg)
    o = sales(oldest, None, leader).aggregate(**oagg)
    commission = commission_by_period(leader, starts)
    out = []
    for p in PERIODS:
        stats = PeriodStats(p, visits=v[f"{p.key}_v"], visitors=v[f"{p.key}_u"],
                            orders=o[f"{p.key}_n"], checkouts=o[f"{p.key}_c"],
                            gmv=o[f"{p.key}_g"] or ZERO)
        stats.commission_pending, stats.commission_settled = commission[p.key]
        out.append(stats)
    return out


def daily_series(leader: Any, days: int = 30, now: dt.datetime | None = None
                 ) -> dict[str, list[Any]]:
    """Per local day (zeros included): visits, orders and GMV as strings (JSON-safe,
    exact) for the dashboard charts."""
    dates = day_range(days, now)
    since = local_midnight(dates[0])
    tz = timezone.get_current_timezone()
    visits = dict(valid_visits(since, None, leader)
                  .annotate(day=TruncDate("at", tzinfo=tz)).values("day")
                  .annotate(n=Count("pk")).order_by().values_list("day", "n"))
    orders = {r["day"]: r for r in sales(since, None, leader)
              .annotate(day=TruncDate("paid_at", tzinfo=tz)).values("day")
              .annotate(n=Count("pk"), g=Sum(net_paid())).order_by()}
    return {
        "days": [d.isoformat() for d in dates],
        "visits": [visits.get(d, 0) for d in dates],
        "orders": [orders[d]["n"] if d in orders else 0 for d in dates],
        "gmv": [f"{orders[d]['g'] or ZERO:.2f}" if d in orders else "0.00" for d in dates],
    }
