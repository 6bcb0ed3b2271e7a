"""Celery tasks of the production runtime. They only call the code the embedded
runtime runs too (outbox.process, the registered periodic jobs, the relay)."""

from __future__ import annotations

import logging

from celery import Task
from django import db

from shequn.core import clock, outbox, relay, worker
from shequn.core.celery_app import PROCESS_EVENT_TASK, app
from shequn.core.models import OutboxEvent

log = logging.getLogger("shequn.tasks")

# While the database is away (restart, terminated connection) retry quickly,
# then back off; these retries do not count against the event's attempts
# unless the attempt had started.
DB_RETRY_MAX_SECONDS = 30.0


def _db_retry_delay(retries: int) -> float:
    return min(0.5 * 2 ** retries, DB_RETRY_MAX_SECONDS)


@app.task(bind=True, name=PROCESS_EVENT_TASK, max_retries=None)
def process_event(self: Task, event_id: int) -> str:
    """Run the handlers of one outbox event. Safe to receive twice: a duplicate
    finds the row processed (or locked, then processed) and does nothing."""
    try:
        done = outbox.process(int(event_id))
        due = None if done else (OutboxEvent.objects.filter(pk=event_id)
                                 .values_list("available_at", flat=True).first())
    except (db.OperationalError, db.InterfaceError) as exc:
        # The connection is broken: drop it so the retry opens a fresh one.
        db.connections.close_all()
        log.warning("outbox event %s: database error, retrying: %s", event_id, exc)
        raise self.retry(exc=exc, countdown=_db_retry_delay(self.request.retries)) from exc
    if due is None:
        return "done"
    # Failed, not dead yet: come back when its backoff is over.
    countdown = max((due - clock.now()).total_seconds(), 0.0)
    raise self.retry(countdown=countdown)


@app.task(name="shequn.run_periodic")
def run_periodic(job: str) -> str:
    """Run one job registered with shequn.core.worker.periodic (scheduled by beat)."""
    fn = worker.periodic_jobs().get(job)
    if fn is None:
        log.error("unknown periodic job %s (not registered in this worker)", job)
        return "unknown"
    fn()
    return "done"


@app.task(name="shequn.relay_sweep")
def relay_sweep() -> int:
    """Relay whatever is waiting (beat's backstop for the relay process)."""
    return relay.relay_pending()
