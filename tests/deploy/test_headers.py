"""Security headers on HTML, JSON and error responses: CSP (django-csp) with a
nonce for our few inline scripts, frame/nosniff/referrer/COOP."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url,status", [("/login/", 200), ("/api/v1/catalog/products", 200),
                                        ("/no-such-page/", 404), ("/api/openapi.json", 200)])
def test_headers_on_every_kind_of_response(url, status):
    r = Client().get(url)
    assert r.status_code == status
    csp = r["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'", "style-src 'self'"):
        assert directive in csp, (url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_dashboard_runs_no_inline_script():
    """Its chart is drawn by static/js/charts.js (issue 9: one ECharts set-up): the
    page carries data blocks only, so the policy needs no nonce for it."""
    from shequn.accounts.roles import OPERATOR
    from tests.builders import make_user

    c = Client()
    c.force_login(make_user(role_names=(OPERATOR,)))
    r = c.get("/ops/")
    assert r.status_code == 200
    html = r.content.decode()
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert scripts, "the chart's data block"
    # Inline code (data blocks of type application/json are not run).
    assert all("application/json" in attrs for attrs in scripts), scripts
    assert "/static/js/charts.js" in html
    assert "unsafe-inline" not in r["Content-Security-Policy"]
    assert " onerror=" not in html and "javascript:" not in html
