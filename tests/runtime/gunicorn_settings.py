"""Settings for the gunicorn started by test_gunicorn.py: the project's, with
metrics open to the loopback address."""

from shequn.settings import *  # noqa: F403
from shequn.settings import SHEQUN

SHEQUN = {**SHEQUN, "METRICS_ALLOW": ["127.0.0.1"], "METRICS_TOKEN": ""}
