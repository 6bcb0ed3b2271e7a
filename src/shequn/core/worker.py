"""The embedded runtime's job runner: a daemon thread that drains the outbox and
runs periodic jobs (payment timeouts). Production uses Celery with the same code:
celery_app.py gives Celery beat one entry per job registered here, and the relay
hands outbox events to tasks.process_event."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings

log = logging.getLogger("shequn.worker")

_periodic: list[Callable[[], object]] = []
_started = False


def periodic(fn: Callable[[], object]) -> Callable[[], object]:
    """Register a job to run every few seconds (call from AppConfig.ready()).
    Jobs must be idempotent: two workers may run the same job at once."""
    if fn not in _periodic:
        _periodic.append(fn)
    return fn


def job_name(fn: Callable[[], object]) -> str:
    """Stable name of a job, the same in every process: ``module.qualname``."""
    return f"{fn.__module__}.{getattr(fn, '__qualname__', getattr(fn, '__name__', repr(fn)))}"


def periodic_jobs() -> dict[str, Callable[[], object]]:
    """The registered jobs by name (Celery beat schedules them by this name)."""
    return {job_name(fn): fn for fn in _periodic}


def run_once() -> None:
    from shequn.core import outbox

    for job in list(_periodic):
        try:
            job()
        except Exception:
            log.exception("periodic job %s failed", getattr(job, "__name__", job))
    outbox.drain()


def _loop(interval: float) -> None:
    from django.apps import apps
    from django.db import close_old_connections

    # The thread starts from CoreConfig.ready(), before the other apps have
    # registered their outbox handlers: draining now would mark events
    # processed with nobody having handled them.
    while not apps.ready:
        time.sleep(0.05)
    while True:
        try:
            close_old_connections()
            run_once()
        except Exception:
            log.exception("worker loop failed")
        time.sleep(interval)


def start_if_configured() -> None:
    global _started
    if _started or not settings.SHEQUN["INPROCESS_WORKER"]:
        return
    # Only in the serving process: with its autoreloader, runserver runs a
    # watching parent (no RUN_MAIN) and the serving child (RUN_MAIN=true).
    reloading = "runserver" in sys.argv and "--noreload" not in sys.argv
    if reloading and os.environ.get("RUN_MAIN") != "true":
        return
    _started = True
    threading.Thread(target=_loop, args=(2.0,), daemon=True, name="shequn-worker").start()
    log.info("in-process worker started")
