"""Liveness and readiness for load balancers and orchestrators.

``/healthz``: the process answers (no database, nothing else): restart me
when this fails. ``/readyz``: the database, the broker and Redis answer: send
me traffic only when this is 200.

    {"status": "ok" | "fail",
     "checks": {"database": {"ok": true, "ms": 0.8}, "broker": {...}, "redis": {...}}}

200 when every check is ok, 503 otherwise; never cached. In the demo (no
``REDIS_URL`` / ``BROKER_URL``: local-memory cache, in-process worker) the
missing services are reported as ``"skipped": "embedded"`` and count as ok.
A failed check names the exception's class; its message (which may name
internal hosts) is logged, and shown only to callers allowed to read
``/metrics``. The broker answer is kept for a couple of seconds per process
so frequent probes do not open a connection each.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from shequn.web.runtime.metrics import allowed as may_see_details

log = logging.getLogger("shequn.runtime")

BROKER_TIMEOUT_SECONDS = 2.0
BROKER_CACHE_SECONDS = 2.0
EMBEDDED = "embedded"


@dataclass
class Check:
    ok: bool
    ms: float
    error: str = ""
    detail: str = ""  # the error's message: logged, shown to trusted callers only
    skipped: str = ""

    def as_dict(self, details: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "ms": self.ms}
        if self.error:
            body["error"] = f"{self.error}: {self.detail}" if details and self.detail \
                else self.error
        if self.skipped:
            body["skipped"] = self.skipped
        return body


def _timed(name: str, probe: Callable[[], None]) -> Check:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:
        ms = round((time.perf_counter() - started) * 1000, 2)
        log.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
        return Check(False, ms, error=type(exc).__name__, detail=str(exc)[:300])
    return Check(True, round((time.perf_counter() - started) * 1000, 2))


def is_demo() -> bool:
    return str(getattr(settings, "SHEQUN_ENV", os.environ.get("SHEQUN_ENV", "demo"))
               or "demo") == "demo"


# --------------------------------------------------------------------------- probes

def _select_one() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    if not row or row[0] != 1:
        raise RuntimeError("SELECT 1 did not answer 1")


def check_database() -> Check:
    return _timed("database", _select_one)


def redis_configured() -> bool:
    return bool(getattr(settings, "REDIS_URL", "") or os.environ.get("REDIS_URL", ""))


def _cache_roundtrip() -> None:
    key = f"shequn:readyz:{os.getpid()}"
    token = uuid.uuid4().hex
    cache.set(key, token, timeout=30)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return what was stored")


def check_redis() -> Check:
    """Redis is the Django cache (rate limits, tickets): a set and a get."""
    if is_demo() and not redis_configured():
        return Check(True, 0.0, skipped=EMBEDDED)
    return _timed("redis", _cache_roundtrip)


def broker_url() -> str:
    """The broker the workers use; "" in the demo without one (the in-process worker)."""
    url = str(getattr(settings, "BROKER_URL", "") or os.environ.get("BROKER_URL", ""))
    if url or is_demo():
        return url
    from shequn.core.celery_app import DEFAULT_BROKER_URL  # the worker's default too

    return DEFAULT_BROKER_URL


def _connect_broker(url: str) -> None:
    from kombu import Connection

    timeout = BROKER_TIMEOUT_SECONDS
    with Connection(url, connect_timeout=timeout, heartbeat=0,
                    transport_options={"read_timeout": timeout, "write_timeout": timeout,
                                       "max_retries": 0}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                               interval_max=0, timeout=timeout)


_broker_lock = threading.Lock()
_broker_cache: dict[str, tuple[float, Check]] = {}


def reset_broker_cache() -> None:
    with _broker_lock:
        _broker_cache.clear()


def check_broker() -> Check:
    url = broker_url()
    if not url:
        return Check(True, 0.0, skipped=EMBEDDED)
    now = time.monotonic()
    with _broker_lock:
        cached = _broker_cache.get(url)
        if cached and now - cached[0] < BROKER_CACHE_SECONDS:
            return cached[1]
    result = _timed("broker", lambda: _connect_broker(url))
    with _broker_lock:
        _broker_cache[url] = (time.monotonic(), result)
    return result


# Looked up by name at each call, so tests can replace a probe.
READINESS: tuple[tuple[str, str], ...] = (
    ("database", "check_database"), ("broker", "check_broker"), ("redis", "check_redis"))


def readiness() -> dict[str, Check]:
    module = globals()
    return {name: module[func]() for name, func in READINESS}


# --------------------------------------------------------------------------- views

def _answer(checks: dict[str, Check], request: HttpRequest) -> JsonResponse:
    ok = all(c.ok for c in checks.values())
    details = not ok and may_see_details(request)
    body = {"status": "ok" if ok else "fail",
            "checks": {name: c.as_dict(details) for name, c in checks.items()}}
    response = JsonResponse(body, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    # A failed check is logged above as a warning; Django's "Service
    # Unavailable" error line on every probe would only bury it.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests. Touches nothing else."""
    return _answer({}, request)


@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    return _answer(readiness(), request)
