"""django-csp's middleware with the common header built once.

django-csp rebuilds the Content-Security-Policy header from the settings for
every response (two dataclass copies and a walk of every directive, enforced and
report-only: about a tenth of a millisecond, a few percent of the busiest public
page). Most responses use neither a nonce nor a view's own policy, and for them
the header is the same string every time: it is built once per process (and
again when a test changes the settings). Responses with a nonce or a decorated
view's policy take django-csp's own path, unchanged."""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

# What a view's decorators (csp_update, csp_replace, csp_exempt, …) leave on the
# response; any of them means the response is not the common case.
_OWN = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
        "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")
_SETTINGS = {"CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG"}
_common: dict[str, Any] = {}


def _forget(setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS:
        _common.clear()


setting_changed.connect(_forget)


def _headers() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(header, policy, excluded path prefixes) of the settings' policies."""
    cached = _common.get("headers")
    if cached is None:
        from django.conf import settings

        cached = tuple(
            (header, policy, tuple((getattr(settings, name, None) or {})
                                   .get("EXCLUDE_URL_PREFIXES") or ()))
            for header, name, policy in (
                (HEADER, "CONTENT_SECURITY_POLICY", build_policy()),
                (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY",
                 build_policy(report_only=True)))
            if policy)
        _common["headers"] = cached
    return cached  # type: ignore[no-any-return]


class CSPMiddleware(_CSPMiddleware):
    def process_response(self, request: HttpRequest,
                         response: HttpResponseBase) -> HttpResponseBase:
        if (getattr(request, "_csp_nonce", None) is not None
                or any(hasattr(response, name) for name in _OWN)):
            return super().process_response(request, response)
        from django.conf import settings

        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for header, policy, excluded in _headers():
            if header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(  # type: ignore[attr-defined]
            self._csp_nonce_post_response)
        return response
