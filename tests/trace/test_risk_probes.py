"""Probes of the risk pages as another brand and as a hostile writer of the
text they show: another brand's signals in the list and the CSV, markup in
evidence, notes and names (escaped on the page), formulas in the CSV (quoted),
and text PostgreSQL cannot store in a dismissal note."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from shequn.trace import signals
from tests.builders.console import make_brand, operator
from tests.builders.trace_verify import coded_units

pytestmark = pytest.mark.django_db
FORMULAS = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1", " =1+1", "＝1+1")


def _signal(unit, kind="repeat_scans", evidence=None, org=None):
    return signals._raise(kind, f"unit:{unit.pk}", org or unit.batch.org,
                          evidence or {"count": 7, "devices": 4}, units=[unit],
                          orders=["SQ0001"])


def _csv_rows(resp) -> list[list[str]]:
    body = b"".join(resp.streaming_content).decode().lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


def test_brand_b_never_sees_brand_as_signals_in_the_list_or_the_csv(client):
    a, b = make_brand(), make_brand()
    unit_a = coded_units(1, brand=a.org)[0]
    sig = _signal(unit_a)
    client.force_login(b.staff)
    for params in ({}, {"status": "all"}, {"kind": sig.kind}, {"status": "all", "format": "csv"}):
        resp = client.get("/brand/risk/", params)
        body = (b"".join(resp.streaming_content) if params.get("format")
                else resp.content).decode()
        assert unit_a.serial not in body and "SQ0001" not in body, params
    client.force_login(a.staff)
    assert unit_a.serial in client.get("/brand/risk/").content.decode()


def test_markup_in_evidence_notes_and_names_is_shown_as_text(client):
    a = make_brand()
    a.org.name = "<b>甲</b><script>alert(1)</script>"
    a.org.save()
    units = coded_units(2, brand=a.org)
    _signal(units[0], "far_scan", {"scan_city": "<img src=x onerror=alert(1)>",
                                   "consignee_city": "<svg onload=alert(2)>"})
    closed = _signal(units[1])
    signals.dismiss(closed.pk, a.admin, "<iframe src=javascript:alert(3)>")
    client.force_login(operator())
    html = client.get("/ops/risk/", {"status": "all"}).content.decode()
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload", "<iframe src"):
        assert raw not in html, raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_csv_quotes_every_cell_a_spreadsheet_would_run(client):
    for i, formula in enumerate(FORMULAS):
        brand = make_brand()
        brand.org.name = formula
        brand.org.save()
        sig = _signal(coded_units(1, brand=brand.org, lot=f"F{i}")[0])
        signals.dismiss(sig.pk, brand.admin, formula)
    client.force_login(operator())
    rows = _csv_rows(client.get("/ops/risk/", {"status": "all", "format": "csv"}))
    assert len(rows) == 1 + len(FORMULAS)
    for row in rows[1:]:
        for cell in row:
            assert cell.lstrip(" \u3000\u00a0\n")[:1] not in "=+-@\t\r＝＋－＠" or not cell, row
        assert row[9].startswith("'")  # the note
        assert row[2].startswith("'")  # the brand


def test_a_dismissal_note_with_a_nul_character_is_not_a_500(client):
    a = make_brand()
    sig = _signal(coded_units(1, brand=a.org)[0])
    client.force_login(a.staff)
    resp = client.post(f"/brand/risk/{sig.pk}/dismiss/", {"note": "同一\x00买家"})
    assert resp.status_code == 302
    sig.refresh_from_db()
    assert "\x00" not in sig.note


def _report(client, gtin, serial, **fields):
    client.post("/verify/report/", {"gtin": gtin, "serial": serial, **fields})


def test_counterfeit_reports_are_read_by_their_brand_and_operators_as_text(client):
    # The notice of a report sends brand staff and operators to the risk
    # page: the report is there, for its own brand only, its text escaped.
    a, b = make_brand(), make_brand()
    unit_a = coded_units(1, brand=a.org)[0]
    unit_b = coded_units(1, brand=b.org)[0]
    reporter = Client()
    _report(reporter, unit_a.gtin, "<svg/onload=alert()>", where="<script>alert(1)</script>",
            note='"><img src=x onerror=alert(2)>')
    _report(reporter, unit_b.gtin, "BREPORT000001", where="乙的举报")
    client.force_login(a.staff)
    html = client.get("/brand/risk/").content.decode()
    assert html.count('data-testid="report"') == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;svg/onload" in html
    for raw in ("<script>alert(1)", "<svg/onload", "<img src=x"):
        assert raw not in html, raw
    assert "乙的举报" not in html and "BREPORT000001" not in html
    client.force_login(operator())
    html = client.get("/ops/risk/").content.decode()
    assert html.count('data-testid="report"') == 2 and "乙的举报" in html
    assert "<script>alert(1)" not in html


def test_the_csv_evidence_reads_as_the_pages_text_not_its_markup(client):
    a = make_brand()
    unit = coded_units(1, brand=a.org)[0]
    _signal(unit, "far_scan", {"scan_city": "A<B & C", "consignee_city": "杭州市"})
    client.force_login(a.staff)
    rows = _csv_rows(client.get("/brand/risk/", {"status": "all", "format": "csv"}))
    assert "A<B & C" in rows[1][6] and "&lt;" not in rows[1][6] and "&amp;" not in rows[1][6]


def test_units_opened_from_the_risk_page_are_looked_at_not_checked(client):
    """A unit's link on the risk page opens its check page for the brand's staff
    and operators without counting a check (which would feed the signal being
    looked into); anyone else opening the same address checks the code."""
    from shequn.trace.models import Scan

    a, other = make_brand(), make_brand()
    unit = coded_units(1, brand=a.org)[0]
    _signal(unit)
    client.force_login(a.staff)
    page = client.get("/brand/risk/").content.decode()
    link = f"/01/{unit.gtin}/21/{unit.serial}?staff=1"
    assert f'href="{link}"' in page
    for who in (a.staff, operator()):
        client.force_login(who)
        html = client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-testid="staff-look"' in html and 'data-testid="first-check"' not in html
        assert 'data-testid="journey"' in html  # the page as a buyer sees it
        # Never checked by a buyer: said so, with no count and no first check.
        assert "No buyer has checked this code yet." in html
        assert "Checked 0 times" not in html and "First check" not in html
    assert not Scan.objects.filter(unit=unit).exists()
    # Another brand's staff, or a buyer, with the same address: an ordinary check.
    client.force_login(other.staff)
    assert 'data-testid="staff-look"' not in client.get(link).content.decode()
    buyer = Client().get(link).content.decode()
    assert 'data-testid="staff-look"' not in buyer and 'data-testid="repeat-warning"' in buyer
    assert Scan.objects.filter(unit=unit).count() == 2


def test_brand_names_read_in_the_pages_language_in_the_list_reports_and_csv(client):
    a = make_brand()
    a.org.name, a.org.name_en = "甲品牌", "Brand A"
    a.org.save()
    unit = coded_units(1, brand=a.org)[0]
    _signal(unit)
    _report(Client(), unit.gtin, "NOSUCHSERIAL1")
    client.force_login(operator())
    html = client.get("/ops/risk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "甲品牌" not in html and html.count("Brand A") >= 2
    rows = _csv_rows(client.get("/ops/risk/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert rows[1][2] == "Brand A"
    rows = _csv_rows(client.get("/ops/risk/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows[1][2] == "甲品牌"


@pytest.mark.parametrize("evidence,english,chinese", [
    ({"buyers": 6, "addresses": 1}, "A leader's 6 buyers ship to only 1 address",
     "该团长的 6 位买家仅寄往 1 个地址"),
    ({"buyers": 6, "addresses": 2}, "A leader's 6 buyers ship to only 2 addresses", None),
    ({"count": 12, "devices": 1}, "Checked 12 times from 1 device", "被 1 台设备查询 12 次"),
    ({"count": 12, "devices": 3}, "Checked 12 times from 3 devices", None),
])
def test_the_evidence_counts_read_in_the_right_number(evidence, english, chinese):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        assert render_to_string("_risk_evidence.html", {"e": evidence}).strip() == english
    if chinese:
        with translation.override("zh-hans"):
            assert render_to_string("_risk_evidence.html", {"e": evidence}).strip() == chinese
