"""A check keeps the checker's (consented) city for a limited time only."""

from __future__ import annotations

import datetime as dt

import pytest

from shequn.core import clock, worker
from shequn.trace import retention
from shequn.trace.models import ProbeTally, Scan, Signal
from tests.builders.trace_verify import coded_units

pytestmark = pytest.mark.django_db


def _scan(unit, days_ago: float, city: str) -> Scan:
    return Scan.objects.create(unit=unit, gtin=unit.gtin, serial=unit.serial,
                               at=clock.now() - dt.timedelta(days=days_ago), device="d",
                               city=city)


def test_cities_older_than_the_retention_period_are_erased(settings):
    settings.SHEQUN = {**settings.SHEQUN, "SCAN_CITY_DAYS": 30}
    unit = coded_units(1)[0]
    old, recent = _scan(unit, 31, "杭州市"), _scan(unit, 29, "上海市")
    _scan(unit, 40, "")
    assert retention.erase_old_cities() == 1
    assert Scan.objects.get(pk=old.pk).city == ""
    assert Scan.objects.get(pk=recent.pk).city == "上海市"
    assert Scan.objects.count() == 3  # the checks themselves stay
    assert retention.erase_old_cities() == 0


def test_far_check_signals_lose_the_check_city_too(settings, client):
    settings.SHEQUN = {**settings.SHEQUN, "SCAN_CITY_DAYS": 30}
    now = clock.now()

    def far(days_ago: float) -> Signal:
        return Signal.objects.create(
            kind="far_scan", subject=f"unit:{days_ago}", evidence={
                "scan_city": "上海市", "consignee_city": "杭州市"},
            created_at=now - dt.timedelta(days=days_ago),
            updated_at=now - dt.timedelta(days=days_ago))

    old, recent = far(31), far(2)
    assert retention.erase_old_signal_cities() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.evidence == {"scan_city": "", "consignee_city": "杭州市"}
    assert recent.evidence["scan_city"] == "上海市"
    from tests.builders.people import make_operator

    client.force_login(make_operator())
    body = client.get("/ops/risk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the city of the check has been erased" in body


def test_probe_tallies_older_than_two_days_go():
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    ProbeTally.objects.create(gtin="09312345000012", hour=hour - dt.timedelta(days=3), count=4)
    ProbeTally.objects.create(gtin="09312345000012", hour=hour, count=1)
    assert retention.prune_probe_tallies() == 1
    assert list(ProbeTally.objects.values_list("count", flat=True)) == [1]


def test_erasure_runs_in_batches(settings, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    unit = coded_units(1)[0]
    for n in range(5):
        _scan(unit, retention.CITY_DAYS + 1 + n, "杭州市")
    assert retention.erase_old_cities() == 5
    assert not Scan.objects.exclude(city="").exists()


def test_the_worker_runs_it_hourly_and_the_privacy_notice_says_so(client):
    from django.core.cache import cache

    assert worker.job_name(retention.erase_job) in worker.periodic_jobs()
    unit = coded_units(1)[0]
    _scan(unit, retention.CITY_DAYS + 1, "杭州市")
    cache.delete("trace:scan_cities")
    assert retention.erase_job() == 1
    _scan(unit, retention.CITY_DAYS + 2, "杭州市")
    assert retention.erase_job() == 0  # ran within the hour
    cache.delete("trace:scan_cities")
    body = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"after {retention.CITY_DAYS} days" in body


def _check(unit, device: str, city: str = ""):
    from shequn.trace import verify

    return verify.record_scan(unit.gtin, unit.serial, unit=verify.find_unit(unit.gtin,
                                                                            unit.serial),
                              device=device, city=city)


def test_checks_older_than_the_log_period_go_and_the_counts_stay(settings):
    from shequn.trace.models import ScanDevice, ScanTally

    settings.SHEQUN = {**settings.SHEQUN, "SCAN_LOG_DAYS": 30}
    quiet, busy = coded_units(2)
    for device in ("a", "b"):
        _check(quiet, device)
        _check(busy, device)
    from shequn.trace import verify

    verify.record_scan(quiet.gtin, "NOSUCHSERIAL1", unit=None, device="a")  # a probe
    clock.advance(dt.timedelta(days=20))
    _check(busy, "c")
    clock.advance(dt.timedelta(days=11))  # the first checks are 31 days old, the last 11

    assert retention.delete_old_checks() == 5
    assert list(Scan.objects.values_list("unit_id", "device")) == [(busy.pk, "c")]
    # The counts remain; the devices of a unit with no check left are forgotten,
    # those of a unit still checked within the period are kept (still counted once).
    assert ScanTally.objects.get(unit=quiet).count == 2
    assert not ScanDevice.objects.filter(unit=quiet).exists()
    assert set(ScanDevice.objects.filter(unit=busy).values_list("device", flat=True)) == {
        "a", "b", "c"}
    assert _check(busy, "a").devices == 3
    again = _check(quiet, "a")
    assert (again.count, again.devices) == (3, 3)  # a forgotten device counts again
    assert retention.delete_old_checks() == 0


def test_check_deletion_runs_in_batches_oldest_first_and_stops_at_a_young_one(
        settings, monkeypatch):
    settings.SHEQUN = {**settings.SHEQUN, "SCAN_LOG_DAYS": 30}
    monkeypatch.setattr(retention, "BATCH", 2)
    unit = coded_units(1)[0]
    for days in (40, 39, 38, 37, 36):
        _scan(unit, days, "")
    young = _scan(unit, 1, "")
    late = _scan(unit, 35, "")  # logged after a younger one: waits for the next run
    assert retention.delete_old_checks() == 5
    assert set(Scan.objects.values_list("pk", flat=True)) == {young.pk, late.pk}
    clock.advance(dt.timedelta(days=30))
    assert retention.delete_old_checks() == 2


def test_the_job_deletes_old_checks_and_the_notice_gives_the_period(client, settings):
    from django.core.cache import cache

    settings.SHEQUN = {**settings.SHEQUN, "SCAN_LOG_DAYS": 200}
    unit = coded_units(1)[0]
    _scan(unit, 201, "")
    _scan(unit, 199, "")
    cache.delete("trace:scan_cities")
    assert retention.erase_job() == 1
    assert Scan.objects.count() == 1
    cache.delete("trace:scan_cities")
    en = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ("The record of a check (its time and the browser's identifier) is deleted "
            "after 200 days") in en
    zh = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "每次查询的记录（时间和浏览器标识）在 200 天后删除" in zh


def test_counterfeit_reports_older_than_their_period_go(settings, client):
    """A report's free text (where it was bought, a note) and browser hash are
    kept for REPORT_DAYS, and the privacy notice says for how long."""
    from shequn.trace.models import CounterfeitReport

    settings.SHEQUN = {**settings.SHEQUN, "REPORT_DAYS": 30}

    def report(days_ago: float) -> CounterfeitReport:
        return CounterfeitReport.objects.create(
            gtin="06901234567892", serial="NOPE", where="某微信群 13800000000", note="n",
            device="d", at=clock.now() - dt.timedelta(days=days_ago))

    old, recent = report(31), report(29)
    assert retention.delete_old_reports() == 1
    assert list(CounterfeitReport.objects.values_list("pk", flat=True)) == [recent.pk]
    assert retention.delete_old_reports() == 0
    assert not CounterfeitReport.objects.filter(pk=old.pk).exists()
    body = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A report is deleted 30 days after it was made." in body


def test_the_hourly_job_deletes_old_reports(settings):
    from django.core.cache import cache

    from shequn.trace.models import CounterfeitReport

    cache.delete("trace:scan_cities")
    CounterfeitReport.objects.create(gtin="06901234567892", serial="OLD", device="d",
                                     at=clock.now() - dt.timedelta(days=400))
    retention.erase_job()
    assert not CounterfeitReport.objects.exists()
