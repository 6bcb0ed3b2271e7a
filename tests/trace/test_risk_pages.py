"""The risk pages: a brand sees and dismisses only its own signals; operators
see all, including resale and order-splitting signals; CSV export."""

from __future__ import annotations

import pytest

from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from shequn.trace import signals
from shequn.trace.models import Signal
from tests.builders.console import make_brand, operator
from tests.builders.trace_verify import coded_units

pytestmark = pytest.mark.django_db


def _signal(unit, kind="repeat_scans"):
    return signals._raise(kind, f"unit:{unit.pk}", unit.batch.org, {"count": 7, "devices": 4},
                          units=[unit], orders=["SQ0001"])


def test_brand_sees_and_dismisses_its_own_signals_only(client):
    a, b = make_brand(), make_brand()
    mine = _signal(coded_units(1, brand=a.org)[0])
    theirs = _signal(coded_units(1, brand=b.org)[0])
    client.force_login(a.staff)
    html = client.get("/brand/risk/").content.decode()
    assert html.count('data-testid="signal"') == 1 and "Checked 7 times" not in html
    assert "被 4 台设备查询 7 次" in html
    assert client.post(f"/brand/risk/{theirs.pk}/dismiss/", {"note": "x"}).status_code == 404
    client.post(f"/brand/risk/{mine.pk}/dismiss/", {"note": "已核实为同一买家"})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == "dismissed" and mine.note == "已核实为同一买家"
    assert theirs.status == "open"
    assert AuditLog.objects.filter(action="trace.signal_dismissed").count() == 1


def test_dismissal_needs_a_reason(client):
    a = make_brand()
    sig = _signal(coded_units(1, brand=a.org)[0])
    client.force_login(a.admin)
    client.post(f"/brand/risk/{sig.pk}/dismiss/", {"note": " "})
    sig.refresh_from_db()
    assert sig.status == "open"


def test_csv_export_follows_the_filters(client):
    a = make_brand()
    units = coded_units(2, brand=a.org)
    _signal(units[0])
    _signal(units[1], kind="many_devices")
    client.force_login(a.staff)
    resp = client.get("/brand/risk/", {"kind": "many_devices", "format": "csv"})
    body = b"".join(resp.streaming_content).decode()
    assert resp["Content-Type"].startswith("text/csv")
    rows = body.strip().splitlines()
    assert len(rows) == 2 and units[1].serial in rows[1] and units[0].serial not in body


def test_operators_see_every_brand_and_others_are_refused(client):
    a, b = make_brand(), make_brand()
    _signal(coded_units(1, brand=a.org)[0])
    _signal(coded_units(1, brand=b.org)[0])
    client.force_login(operator())
    html = client.get("/ops/risk/").content.decode()
    assert html.count('data-testid="signal"') == 2
    client.force_login(a.staff)
    assert client.get("/ops/risk/").status_code in (302, 403)


def test_resale_and_splitting_signals_from_orders():
    from tests.builders import make_buyer, paid_order
    from tests.builders.catalog import make_buyable
    from tests.builders.ids import resident_id

    sku = make_buyable(stock=200)
    buyer = make_buyer()
    for _ in range(3):
        paid_order(None, sku, qty=5, buyer=buyer)
    assert signals.scan_orders() >= 1
    sig = Signal.objects.get(kind="id_volume")
    assert sig.evidence["units"] == 15 and len(sig.order_numbers) == 3
    assert "*" in sig.evidence["buyer_id"]  # masked, never the number
    assert resident_id() not in str(sig.evidence)
    # Run again: the same open signal is updated, not duplicated.
    signals.scan_orders()
    assert Signal.objects.filter(kind="id_volume").count() == 1


def test_csv_export_reads_like_the_page(client):
    import csv
    import io

    a = make_brand()
    unit = coded_units(1, brand=a.org)[0]
    sig = _signal(unit)
    client.force_login(a.staff)
    resp = client.get("/brand/risk/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode().lstrip("\ufeff"))))
    header, row = rows[0], rows[1]
    assert header[7] == "Units"
    from django.utils import timezone

    shown = timezone.localtime(sig.created_at).strftime("%Y-%m-%d %H:%M")
    assert row[4] == shown  # Beijing time to the minute, as on the page
    assert row[6].startswith("Checked ") and "=" not in row[6]  # the page's sentence
    zh = client.get("/brand/risk/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    head = b"".join(zh.streaming_content).decode().lstrip("\ufeff").splitlines()[0]
    assert "件数" in head


def test_a_resale_signal_is_shown_to_the_brand_and_closed_by_operators_only(client):
    a = make_brand()
    unit = coded_units(1, brand=a.org)[0]
    sig = signals._raise("id_volume", "id:abc:1", a.org,
                         {"buyer_id": "3301**********0012", "sku": "SKU1", "units": 30,
                          "days": 30}, orders=["SQ0001"])
    assert unit.batch.org == sig.org
    client.force_login(a.staff)
    html = client.get("/brand/risk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-kind="id_volume"' in html
    assert f'action="{sig.pk}/dismiss/"' not in html
    assert "Reviewed by the platform's operators" in html
    client.post(f"/brand/risk/{sig.pk}/dismiss/", {"note": "我们的老客户"})
    sig.refresh_from_db()
    assert sig.status == "open"
    with pytest.raises(DomainError) as err:
        signals.dismiss(sig.pk, a.staff, "x", org=a.org)
    assert err.value.code == "signal_for_operators" and err.value.status == 403
    ops = operator()
    client.force_login(ops)
    assert f'action="{sig.pk}/dismiss/"' in client.get("/ops/risk/").content.decode()
    client.post(f"/ops/risk/{sig.pk}/dismiss/", {"note": "家庭合买，已核实"})
    sig.refresh_from_db()
    assert sig.status == "dismissed" and sig.dismissed_by == ops
