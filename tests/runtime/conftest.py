"""Runtime tests see the middleware and URLs wired as in settings; where the
settings do not have them yet, they are added here (see the runtime report)."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

METRICS_MW = "shequn.web.runtime.middleware.MetricsMiddleware"
REQUEST_ID_MW = "shequn.core.requestid.RequestIdMiddleware"
SECURITY_MW = "django.middleware.security.SecurityMiddleware"


def _wired_at_root(urlconf: str) -> bool:
    from shequn.web.runtime import health

    try:
        return resolve("/healthz", urlconf=urlconf).func is health.healthz
    except Resolver404:
        return False


@pytest.fixture(autouse=True)
def _runtime_wiring(settings):
    middleware = list(settings.MIDDLEWARE)
    if REQUEST_ID_MW not in middleware:
        at = middleware.index(SECURITY_MW) + 1 if SECURITY_MW in middleware else 0
        middleware.insert(at, REQUEST_ID_MW)
    if METRICS_MW not in middleware:
        middleware.insert(0, METRICS_MW)
    settings.MIDDLEWARE = middleware
    if not _wired_at_root(settings.ROOT_URLCONF):
        settings.ROOT_URLCONF = "tests.runtime.urls"
    # Known starting point: metrics closed, no trusted proxy, the demo mode.
    settings.SHEQUN = {**settings.SHEQUN, "METRICS_TOKEN": "", "METRICS_ALLOW": []}
    settings.SHEQUN_TRUSTED_PROXIES = []
    settings.SHEQUN_ENV = "demo"
    from shequn.web.runtime import health

    health.reset_broker_cache()
    yield
    health.reset_broker_cache()


@pytest.fixture
def metrics_token(settings) -> str:
    token = "t0k3n-for-the-scraper-0123456789"
    settings.SHEQUN = {**settings.SHEQUN, "METRICS_TOKEN": token}
    return token
