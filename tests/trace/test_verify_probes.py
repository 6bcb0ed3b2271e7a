"""Probes of the public verify pages: codes a scanner reads but no page path
can hold, oversized and malformed links, what a report may store, its rate
limit and CSRF, and the redirect after the city consent."""

from __future__ import annotations

import pytest

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
                                           "where": "x"}).status_code == 200
    assert CounterfeitReport.objects.get().serial == serial
