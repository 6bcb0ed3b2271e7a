"""Probes of the public verify pages: codes a scanner reads but no page path
can hold, oversized and malformed links, what a report may store, its rate
limit and CSRF, and the redirect after the city consent."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.trace.models import CounterfeitReport, Scan
from tests.builders.trace_verify import coded_units

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", [
    "(01){gtin}(10)A/B(21)ABC",
    "(01){gtin}(21)A/B",
    "https://x.example/01/{gtin}/10/A%2FB/21/ABC",
])
def test_a_code_with_a_slash_in_its_lot_or_serial_is_answered_as_not_genuine(client, code):
    # AI 10 and 21 may hold "/": the entry page cannot send the phone to a
    # path for it (it answered 500), and no Shequn code has one.
    unit = coded_units(1)[0]
    resp = client.get("/verify/", {"code": code.format(gtin=unit.gtin)})
    assert resp.status_code == 404
    html = resp.content.decode()
    assert 'data-testid="counterfeit-warning"' in html and 'data-testid="report-form"' in html
    assert Scan.objects.filter(unit=None, gtin=unit.gtin).count() == 1
    # The report form carries the code as read, and the report is taken.
    serial = "A/B" if "(21)A/B" in code else "ABC"
    assert client.post("/verify/report/", {"gtin": unit.gtin, "serial": serial,
                                           "where": "x"}).status_code == 302
    assert CounterfeitReport.objects.get().serial == serial


def _report(client, unit, **fields):
    data = {"gtin": unit.gtin, "serial": "FAKE0000001", "lot": unit.batch.lot, **fields}
    return client.post("/verify/report/", data)


@pytest.mark.parametrize("field", ["where", "note", "lot"])
def test_a_report_with_a_nul_character_stores_nothing_unreadable(client, field):
    unit = coded_units(1)[0]
    resp = _report(client, unit, **{field: "某\x00群"})
    assert resp.status_code in (302, 400)  # taken (to the thanks page), or refused
    for report in CounterfeitReport.objects.all():
        assert "\x00" not in report.where + report.note + report.lot


def test_a_report_keeps_at_most_what_its_fields_hold(client):
    unit = coded_units(1)[0]
    assert _report(client, unit, where="w" * 10_000, note="n" * 100_000).status_code == 302
    report = CounterfeitReport.objects.get()
    assert (len(report.where), len(report.note)) == (100, 500)


def test_reports_are_rate_limited_per_address(client):
    unit = coded_units(1)[0]
    statuses = [_report(client, unit, where=str(i)).status_code for i in range(7)]
    assert statuses[-1] == 429 and CounterfeitReport.objects.count() <= 5


def test_a_report_needs_the_pages_csrf_token():
    from django.test import Client

    unit = coded_units(1)[0]
    strict = Client(enforce_csrf_checks=True)
    assert _report(strict, unit).status_code == 403
    assert CounterfeitReport.objects.count() == 0


def test_a_lot_with_characters_no_code_has_is_a_malformed_link(client):
    unit = coded_units(1)[0]
    for lot in ("A%00B", "A%20B"):
        resp = client.get(f"/01/{unit.gtin}/10/{lot}/21/{unit.serial}")
        assert resp.status_code == 400
        assert 'data-testid="invalid-code"' in resp.content.decode()
    assert Scan.objects.count() == 0


def test_markup_in_a_reported_serial_reaches_the_consoles_as_text(client):
    # AI 21 allows < > = ( ) /: twenty of them are an HTML tag with a handler.
    from tests.builders.console import operator

    unit = coded_units(1)[0]
    ops = operator()
    tag = "<svg/onload=alert()>"
    assert len(tag) == 20
    assert _report(client, unit, serial=tag).status_code == 302
    from shequn.brands.selectors import staff_of

    reader = Client()
    for user, page in ((staff_of(unit.batch.org)[0], "/brand/notices/"), (ops, "/ops/notices/")):
        reader.force_login(user)
        html = reader.get(page).content.decode()
        assert "&lt;svg/onload=alert()&gt;" in html and tag not in html, page


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r\n/evil.example", "/\\/evil.example",
                                    "\x00//evil.example"])
def test_consent_never_leaves_the_site_by_blanks_a_browser_drops(client, target):
    resp = client.post("/verify/consent/", {"consent": "1", "next": target})
    assert resp.status_code == 302 and resp["Location"] == "/verify/"


def test_markup_in_the_consent_return_path_is_not_markup(client):
    target = '/01/x"><script>alert(1)</script>'
    resp = client.post("/verify/consent/", {"consent": "1", "next": target},
                       HTTP_HX_REQUEST="true")
    body = resp.content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body


def _switch_back(html: str) -> str:
    """Where the page's language switch returns (its ``next``)."""
    import html as htmllib
    import re

    found = re.search(r'class="lang-switch".*?name="next" value="([^"]*)"', html, re.S)
    assert found, "no language switch"
    return htmllib.unescape(found.group(1))


@pytest.mark.parametrize(("path_serial", "serial"), [("A%3FB", "A?B"), ("A%2541", "A%41")])
def test_the_language_switch_returns_to_the_code_that_was_checked(client, path_serial, serial):
    # AI 21 allows "?" and "%": the switch's return address must keep them
    # escaped, or it opens another code ("A", or "AA") and counts a check of it.
    unit = coded_units(1)[0]
    resp = client.get(f"/01/{unit.gtin}/21/{path_serial}")
    assert resp.status_code == 404
    back = _switch_back(resp.content.decode())
    again = client.get(back)
    assert again.status_code == 404
    assert serial in again.content.decode()
    assert list(Scan.objects.values_list("serial", flat=True)) == [serial]


def _fullwidth(digits: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in digits)


def test_a_gtin_in_fullwidth_digits_is_no_other_code(client):
    # "０６９…".isdigit() is true and the check digit reads the same: the
    # genuine unit was called counterfeit, and a report under the GTIN so
    # spelt reached no brand.
    unit = coded_units(1)[0]
    resp = client.get(f"/01/{_fullwidth(unit.gtin)}/21/{unit.serial}")
    assert resp.status_code == 400
    assert 'data-testid="counterfeit-warning"' not in resp.content.decode()
    assert _report(client, unit, gtin=_fullwidth(unit.gtin)).status_code == 400
    assert not Scan.objects.exists() and not CounterfeitReport.objects.exists()
    # Typed on a phone keyboard in full-width mode, the code still reads.
    typed = f"（01）{_fullwidth(unit.gtin)}（21）{unit.serial}"
    resp = client.get("/verify/", {"code": typed})
    assert resp.status_code == 302 and resp["Location"] == f"/01/{unit.gtin}/21/{unit.serial}"


@pytest.mark.parametrize("tail", ["/21/{serial}%0A", "/10/{lot}%0A/21/{serial}"])
def test_a_line_break_after_a_serial_or_lot_is_a_malformed_link(client, tail):
    # The character set's "$" also matched before a final line break: the
    # genuine unit's link with one was called counterfeit, and probed its GTIN.
    unit = coded_units(1)[0]
    path = f"/01/{unit.gtin}" + tail.format(serial=unit.serial, lot=unit.batch.lot)
    resp = client.get(path)
    assert resp.status_code == 400
    assert 'data-testid="invalid-code"' in resp.content.decode()
    assert not Scan.objects.exists()


def test_a_head_or_options_request_counts_no_check(client):
    # A link previewer or a preflight is no buyer's check: counted, it would
    # tell the buyer who opens the link next that the code was checked before.
    unit = coded_units(1)[0]
    link = f"/01/{unit.gtin}/21/{unit.serial}"
    assert client.head(link).status_code == 200
    assert client.options(link).status_code == 405
    assert client.head(f"/01/{unit.gtin}/21/NOSUCHSERIAL9").status_code == 404
    assert not Scan.objects.exists()
    assert 'data-testid="first-check"' in client.get(link).content.decode()
    assert Scan.objects.count() == 1


def test_reports_from_one_ipv6_network_share_the_rate_limit(client):
    # A phone (or a script) holds a whole /64 and may send each request from
    # another address of it: counted per address, the limit never held.
    unit = coded_units(1)[0]
    statuses = [client.post("/verify/report/", {"gtin": unit.gtin, "serial": "FAKE0000001",
                                                "where": str(i)},
                            REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}").status_code
                for i in range(7)]
    assert statuses[-1] == 429 and CounterfeitReport.objects.count() <= 5
    # Another network's phone is not held back by it.
    assert client.post("/verify/report/", {"gtin": unit.gtin, "serial": "FAKE0000001"},
                       REMOTE_ADDR="2001:db8:1:3::1").status_code == 302
