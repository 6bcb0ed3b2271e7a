"""Settings for the gunicorn started by test_gunicorn.py: the project's, with
the runtime pieces wired in (as the settings owner wires them) and metrics
open to the loopback address."""

from shequn.settings import *  # noqa: F403
from shequn.settings import MIDDLEWARE, SHEQUN

_METRICS = "shequn.web.runtime.middleware.MetricsMiddleware"
_REQUEST_ID = "shequn.core.requestid.RequestIdMiddleware"

MIDDLEWARE = [m for m in MIDDLEWARE if m not in (_METRICS, _REQUEST_ID)]
MIDDLEWARE.insert(0, _METRICS)
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  _REQUEST_ID)
ROOT_URLCONF = "tests.runtime.urls"
SHEQUN = {**SHEQUN, "METRICS_ALLOW": ["127.0.0.1"], "METRICS_TOKEN": ""}
