"""Business dates are China dates: from 16:00 UTC it is already tomorrow there
(a near-expiry test failed in CI at 00:54 Beijing time when dates were UTC)."""

from __future__ import annotations

import datetime as dt

from shequn.core import clock


def test_today_is_the_date_in_shanghai(monkeypatch):
    evening_utc = dt.datetime(2026, 12, 6, 17, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock.timezone, "now", lambda: evening_utc)
    assert clock.now().date() == dt.date(2026, 12, 6)
    assert clock.today() == dt.date(2026, 12, 7)
    morning_utc = dt.datetime(2026, 12, 6, 1, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock.timezone, "now", lambda: morning_utc)
    assert clock.today() == dt.date(2026, 12, 6)
