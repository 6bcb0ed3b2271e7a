"""The CSP middleware's once-built header says what django-csp's own would, for
every kind of response (web/runtime/csp.py)."""

from __future__ import annotations

import pytest
from csp.constants import NONCE, SELF
from csp.middleware import CSPMiddleware as Upstream
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from shequn.web.runtime.csp import CSPMiddleware

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def _both(prepare=lambda request, response: None, path="/x/"):
    """The headers each middleware sets on the same kind of response."""
    out = []
    for cls in (Upstream, CSPMiddleware):
        request = RequestFactory().get(path)
        response = HttpResponse("ok")
        middleware = cls(lambda r, response=response: response)
        middleware.process_request(request)
        prepare(request, response)
        middleware.process_response(request, response)
        out.append({h: response.get(h) for h in HEADERS})
    return out


def test_the_common_header_is_django_csps():
    upstream, ours = _both()
    assert upstream["Content-Security-Policy"]
    assert ours == upstream


def test_a_nonce_asked_for_goes_into_the_header():
    def use_nonce(request, response):
        response.nonce = str(request.csp_nonce)

    upstream, ours = _both(use_nonce)
    # Each request has its own nonce: the same header but for it.
    assert "'nonce-" in ours["Content-Security-Policy"]
    assert ours["Content-Security-Policy"].split("'nonce-")[0] == \
        upstream["Content-Security-Policy"].split("'nonce-")[0]


@pytest.mark.parametrize("attr, value", [
    ("_csp_exempt", True),
    ("_csp_update", {"img-src": ["https://img.example.com"]}),
    ("_csp_replace", {"img-src": ["https://img.example.com"]}),
])
def test_a_views_own_policy_is_kept(attr, value):
    upstream, ours = _both(lambda request, response: setattr(response, attr, value))
    assert ours == upstream


def test_a_nonce_asked_for_after_the_header_is_an_error():
    from csp.exceptions import CSPNonceError

    request = RequestFactory().get("/x/")
    middleware = CSPMiddleware(lambda r: HttpResponse("ok"))
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse("ok"))
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_changed_settings_are_read_again():
    policy = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE],
                             "img-src": [SELF, "https://img.example.com"]},
              "EXCLUDE_URL_PREFIXES": ["/skip/"]}
    before = _both()[1]["Content-Security-Policy"]
    with override_settings(CONTENT_SECURITY_POLICY=policy,
                           CONTENT_SECURITY_POLICY_REPORT_ONLY={
                               "DIRECTIVES": {"default-src": [SELF]}}):
        upstream, ours = _both()
        assert ours == upstream
        assert "https://img.example.com" in ours["Content-Security-Policy"]
        assert ours["Content-Security-Policy-Report-Only"] == "default-src 'self'"
        assert _both(path="/skip/a")[1]["Content-Security-Policy"] is None
    assert _both()[1]["Content-Security-Policy"] == before
