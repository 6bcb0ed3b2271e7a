"""A unit's checks are counted as they come (trace.verify.record_scan keeps a
tally, the page never re-reads the log), and the signals they raise stay cheap,
exact, monotonic and dismissable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequn.core import clock
from shequn.trace import signals, verify
from shequn.trace.models import ProbeTally, Scan, ScanDevice, ScanTally, Signal, UnitCode
from tests.builders.buying import place_paid_order
from tests.builders.catalog import make_stock, make_warehouse
from tests.builders.concurrency import race
from tests.builders.people import make_buyer, make_operator
from tests.builders.trace_verify import coded_units, link

pytestmark = pytest.mark.django_db


def _check(unit, device="d1", city=""):
    return verify.record_scan(unit.gtin, unit.serial, unit=verify.find_unit(unit.gtin,
                                                                            unit.serial),
                              device=device, city=city)


def test_tally_counts_checks_devices_and_the_first_time():
    unit = coded_units(1)[0]
    first = _check(unit, "a")
    assert (first.count, first.devices) == (1, 1)
    again = _check(unit, "a")
    other = _check(unit, "b")
    assert (again.count, again.devices) == (2, 1)
    assert (other.count, other.devices, other.first_at) == (3, 2, first.first_at)
    assert ScanTally.objects.get(unit=unit).count == Scan.objects.filter(unit=unit).count() == 3
    assert set(ScanDevice.objects.filter(unit=unit).values_list("device", flat=True)) == {"a", "b"}


def test_page_shows_the_count_of_a_much_checked_code(client):
    unit = coded_units(1)[0]
    for n in range(30):
        _check(unit, f"dev{n % 7}")
    body = client.get(link(unit)).content.decode()
    assert 'data-testid="repeat-warning" data-count="31"' in body
    tally = ScanTally.objects.get(unit=unit)
    assert (tally.count, tally.devices) == (31, 8)


def _reads_of_the_log() -> int:
    """Scans of trace_scan (index or sequential) in this transaction so far."""
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0)"
                    " FROM pg_stat_xact_user_tables WHERE relname = 'trace_scan'")
        return int(cur.fetchone()[0])


def test_a_check_costs_the_same_however_many_came_before():
    """The statements of a check do not grow with the code's history, even with
    both signals open (they are read and updated, never re-counted), and the
    check never reads the code's log."""
    unit = coded_units(1)[0]
    for n in range(12):
        _check(unit, f"dev{n}")
    with CaptureQueriesContext(connection) as early:
        _check(unit, "devX")
    for n in range(100):
        _check(unit, f"dev{n % 20}")
    reads = _reads_of_the_log() if connection.vendor == "postgresql" else 0
    with CaptureQueriesContext(connection) as late:
        _check(unit, "devY")
    assert len(late.captured_queries) <= len(early.captured_queries)
    assert not any('from "trace_scan"' in q["sql"].lower() for q in late.captured_queries)
    if connection.vendor == "postgresql":
        assert _reads_of_the_log() == reads


def test_signal_evidence_never_goes_back(settings):
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = verify.find_unit(*_gs(coded_units(1)[0]))
    now = clock.now()
    signals.on_unit_scan(unit, 8, 2, "", now)
    signals.on_unit_scan(unit, 7, 2, "", now)  # a check that finished late
    sig = Signal.objects.get(kind="repeat_scans")
    assert sig.evidence == {"count": 8, "devices": 2}
    signals.on_unit_scan(unit, 9, 3, "", now)
    sig.refresh_from_db()
    assert sig.evidence == {"count": 9, "devices": 3}
    assert Signal.objects.filter(kind="repeat_scans").count() == 1


def test_a_late_write_never_puts_older_evidence_over_newer(settings, monkeypatch):
    """A check that read the signal before a later check updated it: the
    update's own condition keeps the newer evidence."""
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = verify.find_unit(*_gs(coded_units(1)[0]))
    signals.on_unit_scan(unit, 9, 2, "", clock.now())
    monkeypatch.setattr(signals, "_behind", lambda known, evidence, grows: True)
    signals.on_unit_scan(unit, 7, 2, "", clock.now())
    assert Signal.objects.get(kind="repeat_scans").evidence["count"] == 9


def test_lagging_evidence_is_brought_up_to_the_tally(settings):
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = coded_units(1)[0]
    for _ in range(3):
        _check(unit)
    sig = Signal.objects.get(kind="repeat_scans")
    # Checks went on, the evidence did not follow (past EXACT_UP_TO, within REFRESH).
    ScanTally.objects.filter(unit=unit).update(count=400, devices=30)
    assert signals.refresh_check_signals() == 0  # updated a moment ago
    later = clock.now() + signals.REFRESH
    assert signals.refresh_check_signals(later) == 1
    sig.refresh_from_db()
    assert sig.evidence == {"count": 400, "devices": 30}
    # A dismissal counts doubling from the tally as it stands.
    ScanTally.objects.filter(unit=unit).update(count=500)
    signals.dismiss(sig.pk, make_operator(), "display unit in a shop")
    sig.refresh_from_db()
    assert sig.evidence["count"] == 500


def test_a_dismissed_signal_opens_again_only_when_the_pattern_doubles(settings, client):
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = coded_units(1)[0]
    for _ in range(4):
        _check(unit)
    sig = Signal.objects.get(kind="repeat_scans", status="open")
    signals.dismiss(sig.pk, make_operator(), "shop display unit")
    for _ in range(3):  # 5, 6, 7 checks: under twice the 4 dismissed
        _check(unit)
    assert not Signal.objects.filter(kind="repeat_scans", status="open").exists()
    _check(unit)  # 8 = twice 4
    reopened = Signal.objects.get(kind="repeat_scans", status="open")
    assert reopened.pk != sig.pk and reopened.evidence["count"] == 8
    assert list(reopened.units.all()) == [unit]


def _geo(tmp_path, settings, city: str) -> None:
    table = tmp_path / f"geo-{city}.csv"
    table.write_text(f"127.0.0.0,127.255.255.255,{city},{city}\n", encoding="utf-8")
    settings.SHEQUN = {**settings.SHEQUN, "GEOIP_CSV": str(table)}


def test_first_check_far_from_the_consignee_raises_one_signal(client, settings, tmp_path):
    unit = coded_units(1)[0]
    make_stock(make_warehouse(), unit.batch.sku, 5)
    order = place_paid_order(make_buyer(), unit.batch.sku)  # ships to 杭州市
    UnitCode.objects.filter(pk=unit.pk).update(order_line=order.lines.get())
    _geo(tmp_path, settings, "上海市")
    client.get(link(unit))  # no consent: no city, no signal
    assert not Signal.objects.filter(kind="far_scan").exists()
    client.post("/verify/consent/", {"consent": "1", "next": link(unit)})
    client.get(link(unit))
    sig = Signal.objects.get(kind="far_scan")
    assert sig.evidence == {"scan_city": "上海市", "consignee_city": "杭州市"}
    assert sig.order_numbers == [order.number]
    # Only the first check with a city is compared: a later one elsewhere is not.
    _geo(tmp_path, settings, "北京市")
    client.get(link(unit))
    sig.refresh_from_db()
    assert sig.evidence["scan_city"] == "上海市"
    assert ScanTally.objects.get(unit=unit).city_scans == 2


def test_a_first_check_in_the_consignees_city_raises_nothing(client, settings, tmp_path):
    unit = coded_units(1)[0]
    make_stock(make_warehouse(), unit.batch.sku, 5)
    order = place_paid_order(make_buyer(), unit.batch.sku)
    UnitCode.objects.filter(pk=unit.pk).update(order_line=order.lines.get())
    _geo(tmp_path, settings, "杭州市")
    client.post("/verify/consent/", {"consent": "1", "next": link(unit)})
    client.get(link(unit))
    _geo(tmp_path, settings, "上海市")  # the second check with a city is not compared
    client.get(link(unit))
    assert not Signal.objects.filter(kind="far_scan").exists()


def test_probes_are_counted_per_hour_within_the_day(client):
    unit = coded_units(1)[0]
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    ProbeTally.objects.create(gtin=unit.gtin, hour=hour - dt.timedelta(hours=24), count=50)
    ProbeTally.objects.create(gtin=unit.gtin, hour=hour - dt.timedelta(hours=23), count=1)
    client.get(f"/01/{unit.gtin}/21/PROBE00001")
    assert not Signal.objects.filter(kind="probes").exists()  # 1 + 1
    client.get(f"/01/{unit.gtin}/21/PROBE00002")
    sig = Signal.objects.get(kind="probes")
    assert sig.evidence["unknown_codes"] == 3  # the bucket 24 hours back is out
    assert ProbeTally.objects.get(gtin=unit.gtin, hour=hour).count == 2


def test_a_dismissed_probe_signal_opens_again_for_a_new_day_of_probes(client):
    unit = coded_units(1)[0]
    for n in range(3):
        client.get(f"/01/{unit.gtin}/21/PROBE{n:05d}")
    sig = Signal.objects.get(kind="probes", status="open")
    signals.dismiss(sig.pk, make_operator(), "our own test labels")
    client.get(f"/01/{unit.gtin}/21/PROBE00010")  # 4 < twice 3: stays dismissed
    assert not Signal.objects.filter(kind="probes", status="open").exists()
    Signal.objects.filter(pk=sig.pk).update(updated_at=clock.now() - dt.timedelta(hours=25))
    client.get(f"/01/{unit.gtin}/21/PROBE00011")
    assert Signal.objects.get(kind="probes", status="open").evidence["unknown_codes"] == 5


def test_a_unit_checked_before_tallies_were_kept_starts_its_tally_from_its_log():
    """Checks logged without a tally (before the upgrade, or by a worker still
    running the old code) are counted by the unit's next check."""
    unit = coded_units(1)[0]
    at = clock.now() - dt.timedelta(days=3)
    for n, (device, city) in enumerate([("a", ""), ("b", "杭州市"), ("a", "")]):
        Scan.objects.create(unit=unit, gtin=unit.gtin, serial=unit.serial,
                            at=at + dt.timedelta(hours=n), device=device, city=city)
    first = _check(unit, "c")
    assert (first.count, first.devices, first.city_scans, first.first_at) == (4, 3, 1, at)
    assert set(ScanDevice.objects.filter(unit=unit).values_list("device", flat=True)) == {
        "a", "b", "c"}
    again = _check(unit, "a")  # a device of the log: not a new one
    assert (again.count, again.devices) == (5, 3)
    assert _check(unit, "d").devices == 4


def test_the_upgrade_tallies_the_last_two_days_of_probes():
    from importlib import import_module

    from django.db.migrations.executor import MigrationExecutor

    unit = coded_units(1)[0]
    for n, days in enumerate([0.5, 1.5, 3]):
        Scan.objects.create(unit=None, gtin=unit.gtin, serial=f"P{n}", device="x",
                            at=clock.now() - dt.timedelta(days=days))
    state = MigrationExecutor(connection).loader.project_state(("trace", "0008_scan_tallies"))
    migration = import_module("shequn.trace.migrations.0008_scan_tallies")
    migration.tally_recent_probes(state.apps, None)
    assert sum(ProbeTally.objects.filter(gtin=unit.gtin).values_list("count", flat=True)) == 2


def _gs(unit):
    return unit.gtin, unit.serial


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_of_one_code_each_get_a_count_of_their_own():
    """A copied code checked at once from many phones (real connections): every
    check is logged and counted once, devices once each."""
    unit = coded_units(1)[0]
    threads, per = 8, 6

    def checks(i: int) -> list[int]:
        found = verify.find_unit(unit.gtin, unit.serial)
        return [verify.record_scan(unit.gtin, unit.serial, unit=found,
                                   device=f"dev{(i + n) % 5}").count for n in range(per)]

    results = race(threads, checks)
    assert all(code == "ok" for code, _ in results), results
    counts = [c for _, mine in results for c in mine]
    total = threads * per
    assert sorted(counts) == list(range(1, total + 1))
    tally = ScanTally.objects.get(unit=unit)
    assert (tally.count, tally.devices) == (total, 5)
    assert Scan.objects.filter(unit=unit).count() == total
    # Both signals open once each, with the last evidence.
    for kind in ("repeat_scans", "many_devices"):
        sig = Signal.objects.get(kind=kind, subject=f"unit:{unit.pk}")
        assert sig.evidence["count"] == total


def test_evidence_of_a_much_checked_code_is_refreshed_at_most_once_a_minute(settings):
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = verify.find_unit(*_gs(coded_units(1)[0]))
    t0 = clock.now()
    signals.on_unit_scan(unit, signals.EXACT_UP_TO, 1, "", t0)
    signals.on_unit_scan(unit, signals.EXACT_UP_TO + 1, 1, "", t0)  # updated a moment ago
    sig = Signal.objects.get(kind="repeat_scans")
    assert sig.evidence["count"] == signals.EXACT_UP_TO
    Signal.objects.filter(pk=sig.pk).update(updated_at=t0 - signals.REFRESH)
    signals.on_unit_scan(unit, signals.EXACT_UP_TO + 2, 1, "", t0)
    sig.refresh_from_db()
    assert sig.evidence["count"] == signals.EXACT_UP_TO + 2


def _signal_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "trace_signal" in q["sql"].lower()
            and "verify_check_journey" not in q["sql"]]


def test_an_open_signal_is_kept_up_by_the_check_itself(settings):
    """Past its threshold, a unit whose signal is open costs one statement per
    check (PostgreSQL: the check's own keeps the evidence up); the evidence
    follows every check, as ``signals._keep_up`` would have kept it."""
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = coded_units(1)[0]
    for _ in range(3):
        _check(unit)  # the third opens the signal
    sig = Signal.objects.get(kind="repeat_scans")
    assert sig.evidence == {"count": 3, "devices": 1}
    found = verify.find_unit(unit.gtin, unit.serial)
    with CaptureQueriesContext(connection) as ctx:
        verify.record_scan(unit.gtin, unit.serial, unit=found, device="d2")
    sig.refresh_from_db()
    assert sig.evidence == {"count": 4, "devices": 2} and sig.status == Signal.Status.OPEN
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1 and not _signal_queries(ctx.captured_queries)
    assert list(sig.units.all()) == [unit]


def test_a_dismissed_signal_is_left_to_the_signal_rules(settings):
    """The check keeps up open signals only: a dismissed one is neither
    updated nor reopened before its pattern doubles."""
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = coded_units(1)[0]
    for _ in range(3):
        _check(unit)
    Signal.objects.filter(kind="repeat_scans").update(status=Signal.Status.DISMISSED)
    for _ in range(2):
        _check(unit)
    dismissed = Signal.objects.get(kind="repeat_scans")
    assert dismissed.evidence["count"] == 3 and dismissed.status == Signal.Status.DISMISSED
    _check(unit)  # six checks: double the dismissed three
    assert Signal.objects.filter(kind="repeat_scans", status=Signal.Status.OPEN).count() == 1


def test_an_order_the_open_signal_does_not_name_yet_is_added(settings):
    """A unit sold after its signal opened: the next check names the order in
    the signal (the statement leaves that one to ``signals.on_unit_scan``)."""
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 99}}
    unit = coded_units(1)[0]
    for _ in range(3):
        _check(unit)
    make_stock(make_warehouse(), unit.batch.sku, 5)
    order = place_paid_order(make_buyer(), unit.batch.sku)
    UnitCode.objects.filter(pk=unit.pk).update(order_line=order.lines.get())
    _check(unit)
    sig = Signal.objects.get(kind="repeat_scans", status=Signal.Status.OPEN)
    assert sig.order_numbers == [order.number] and sig.evidence["count"] == 4
    found = verify.find_unit(unit.gtin, unit.serial)
    with CaptureQueriesContext(connection) as ctx:  # named now: kept by the check
        verify.record_scan(unit.gtin, unit.serial, unit=found, device="d1")
    if connection.vendor == "postgresql":
        assert not _signal_queries(ctx.captured_queries)
    sig.refresh_from_db()
    assert sig.evidence["count"] == 5
