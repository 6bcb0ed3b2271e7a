"""Payment-to-release minutes per Asia/Shanghai day (p50 / p95) for the ops
chart: the same interpolation as PostgreSQL's PERCENTILE_CONT, grouped by the
Shanghai day of release (not the UTC day), last 14 days only."""

from __future__ import annotations

import datetime as dt
import statistics
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from shequn.core import clock
from shequn.customs import selectors, services
from shequn.customs.models import Declaration
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order
from tests.customs.test_console import push

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _expected(values: list[float]) -> tuple[float, float]:
    if len(values) == 1:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]


@given(st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), min_size=1,
                max_size=60))
def test_percentile_matches_linear_interpolation(values):
    p50, p95 = _expected(values)
    assert selectors.percentile(values, 0.5) == pytest.approx(p50, abs=1e-6)
    assert selectors.percentile(values, 0.95) == pytest.approx(p95, abs=1e-6)


def test_percentile_of_nothing_is_none():
    assert selectors.percentile([], 0.5) is None


def _at(moment: dt.datetime) -> None:
    """Move the clock to ``moment`` (it only keeps an offset from real time)."""
    clock.advance(moment - clock.now())


def _paid_orders(n: int) -> list[Declaration]:
    out = []
    for _ in range(n):
        sku = make_sku(price="30.00")
        make_stock(make_warehouse(), sku, 3)
        declaration = services.declare(place_paid_order(make_buyer(), sku).pk)
        assert declaration is not None
        out.append(declaration)
    return out


def _release_after(declaration: Declaration, minutes: float) -> None:
    _at(declaration.order.paid_at + dt.timedelta(minutes=minutes))
    push(declaration, "120", "800")


@pytest.fixture
def day() -> dt.date:
    """A Shanghai day a few days back, so the whole scenario is in the past."""
    return timezone.now().astimezone(SHANGHAI).date() - dt.timedelta(days=3)


@pytest.mark.django_db
def test_p50_p95_per_shanghai_day(day):
    # Day D, 09:00 Shanghai: five orders paid together, released 4..60 minutes later.
    _at(dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI))
    batch = _paid_orders(5)
    minutes = [4.0, 7.0, 12.0, 30.0, 60.0]
    for declaration, m in zip(batch, minutes, strict=True):
        _release_after(declaration, m)
    # Around midnight: paid 23:30 on D, one released 23:50 (D), one 00:10 (D+1).
    # In UTC both are on D (15:50 and 16:10): grouping by UTC would merge them.
    _at(dt.datetime.combine(day, dt.time(23, 30), tzinfo=SHANGHAI))
    late_a, late_b = _paid_orders(2)
    _release_after(late_a, 20)
    _release_after(late_b, 40)
    # Released long ago (outside the 14 days) and never released: not counted.
    _at(dt.datetime.combine(day - dt.timedelta(days=20), dt.time(12), tzinfo=SHANGHAI))
    old = _paid_orders(1)[0]
    _release_after(old, 5)
    _at(dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI))
    _paid_orders(1)

    _at(dt.datetime.combine(day + dt.timedelta(days=2), dt.time(12), tzinfo=SHANGHAI))
    series = selectors.release_times(14)
    assert len(series) == 14 and series[-1]["day"] == (day + dt.timedelta(days=2)).isoformat()
    by_day = {row["day"]: row for row in series}
    d0, d1 = by_day[day.isoformat()], by_day[(day + dt.timedelta(days=1)).isoformat()]
    p50, p95 = _expected([*minutes, 20.0])
    assert d0["n"] == 6
    assert d0["p50"] == pytest.approx(round(p50, 1), abs=0.11)
    assert d0["p95"] == pytest.approx(round(p95, 1), abs=0.11)
    assert d1["n"] == 1 and d1["p50"] == pytest.approx(40.0, abs=0.11) and d1["p95"] == d1["p50"]
    quiet = [row for row in series if row["day"] not in (d0["day"], d1["day"])]
    assert all(row["n"] == 0 and row["p50"] is None and row["p95"] is None for row in quiet)


@pytest.mark.django_db
@pytest.mark.postgres
def test_postgres_percentile_cont_agrees_with_python(day):
    _at(dt.datetime.combine(day, dt.time(8, 0), tzinfo=SHANGHAI))
    batch = _paid_orders(7)
    for declaration, m in zip(batch, [3, 3.5, 9, 11, 26, 27, 300], strict=True):
        _release_after(declaration, m)
    _at(dt.datetime.combine(day, dt.time(23, 55), tzinfo=SHANGHAI))
    late = _paid_orders(1)[0]
    _release_after(late, 10)  # 00:05 on D+1 in Shanghai
    sql = selectors.release_times(14, use_sql=True)
    python = selectors.release_times(14, use_sql=False)
    assert sql == python
    assert sum(row["n"] for row in sql) == 8
