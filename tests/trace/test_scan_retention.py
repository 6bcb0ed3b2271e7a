"""A check keeps the checker's (consented) city for a limited time only."""

from __future__ import annotations

import datetime as dt

import pytest

from shequn.core import clock, worker
from shequn.trace import retention
from shequn.trace.models import Scan, ScanTally
from tests.builders.trace_verify import coded_units

pytestmark = pytest.mark.django_db


def _scan(unit, days_ago: float, city: str) -> Scan:
    return Scan.objects.create(unit=unit, gtin=unit.gtin, serial=unit.serial,
                               at=clock.now() - dt.timedelta(days=days_ago), device="d",
                               city=city)


def test_cities_older_than_the_retention_period_are_erased(settings):
    settings.SHEQUN = {**settings.SHEQUN, "SCAN_CITY_DAYS": 30}
    unit = coded_units(1)[0]
    old, recent, without = _scan(unit, 31, "杭州市"), _scan(unit, 29, "上海市"), _scan(unit, 40, "")
    ScanTally.objects.create(unit=unit, count=3, first_at=without.at, devices=1, city_scans=2)
    assert retention.erase_old_cities() == 1
    assert Scan.objects.get(pk=old.pk).city == ""
    assert Scan.objects.get(pk=recent.pk).city == "上海市"
    assert Scan.objects.count() == 3  # the checks themselves stay
    assert ScanTally.objects.get(unit=unit).count == 3
    assert retention.erase_old_cities() == 0


def test_erasure_runs_in_batches(settings, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    unit = coded_units(1)[0]
    for n in range(5):
        _scan(unit, retention.CITY_DAYS + 1 + n, "杭州市")
    assert retention.erase_old_cities() == 5
    assert not Scan.objects.exclude(city="").exists()


def test_the_worker_runs_it_and_the_privacy_notice_says_so(client):
    assert worker.job_name(retention.erase_job) in worker.periodic_jobs()
    body = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"after {retention.CITY_DAYS} days" in body
