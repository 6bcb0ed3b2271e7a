"""Runtime tests start from a known configuration: metrics closed, no trusted
proxy, the demo mode."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _runtime_wiring(settings):
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
