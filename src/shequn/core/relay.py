"""The outbox relay (production runtime): publishes outbox events to Celery.

Each batch runs in one database transaction: lock a batch of events that are
not yet with the broker (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
relays can run side by side), publish each with a publisher confirm, then mark
the confirmed ones ``relayed_at`` and commit. What can go wrong:

* broker down: the publish raises, the unconfirmed events stay unrelayed and
  the next round retries them; nothing is lost.
* crash after the publish, before the commit: the events are published again
  next round; the task finds them processed (or processes them once), since
  ``outbox.process`` is idempotent.
* a message lost after the confirm (queue deleted, a retry that could not be
  published): an event relayed more than ``stale_seconds`` ago, due as long,
  and still unprocessed is published again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from typing import Any

from django import db
from django.db import transaction
from django.db.models import Q

from shequn.core import clock
from shequn.core.celery_app import PROCESS_EVENT_TASK, app, queue_name
from shequn.core.models import OutboxEvent

log = logging.getLogger("shequn.relay")

BATCH = 100
CONFIRM_TIMEOUT_SECONDS = 10.0


def stale_seconds() -> float:
    return float(os.environ.get("SHEQUN_RELAY_STALE_SECONDS", "300"))


def _due(now: dt.datetime, stale_after: float) -> Q:
    stale = now - dt.timedelta(seconds=stale_after)
    never_relayed = Q(relayed_at__isnull=True)
    lost = Q(relayed_at__lt=stale, available_at__lt=stale)
    return Q(processed_at__isnull=True, dead_at__isnull=True) & (never_relayed | lost)


def _lock_batch(limit: int, stale_after: float) -> list[OutboxEvent]:
    qs = OutboxEvent.objects.filter(_due(clock.now(), stale_after)).order_by("id")
    if db.connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return list(qs.only("id", "topic", "relayed_at")[:limit])


def relay_once(limit: int = BATCH, queue: str | None = None, connection: Any = None,
               stale_after: float | None = None) -> int:
    """Publish one batch; returns how many the broker confirmed. Raises when
    the broker cannot be reached before anything was confirmed."""
    target = queue or queue_name()
    stale = stale_seconds() if stale_after is None else stale_after
    own = connection is None
    conn = app.connection_for_write() if own else connection
    published: list[int] = []
    try:
        with transaction.atomic():
            batch = _lock_batch(limit, stale)
            if not batch:
                return 0
            producer = conn.Producer()
            error: Exception | None = None
            for event in batch:
                try:
                    app.send_task(
                        PROCESS_EVENT_TASK, args=[event.pk], producer=producer, queue=target,
                        confirm_timeout=CONFIRM_TIMEOUT_SECONDS,
                        timeout=CONFIRM_TIMEOUT_SECONDS)
                except Exception as exc:  # broker gone: keep what was confirmed
                    error = exc
                    break
                if event.relayed_at is not None:
                    log.warning("outbox event %s (%s) republished: relayed at %s, "
                                "still unprocessed", event.pk, event.topic, event.relayed_at)
                published.append(event.pk)
            if published:
                OutboxEvent.objects.filter(pk__in=published).update(relayed_at=clock.now())
        if error is not None:
            if not published:
                raise error
            log.warning("relay: broker failed after %s events: %s", len(published), error)
        return len(published)
    finally:
        if own:
            conn.release()


def relay_pending(max_batches: int = 50, queue: str | None = None) -> int:
    """Relay batches until nothing is due (or ``max_batches``); returns the count."""
    total = 0
    with app.connection_for_write() as conn:
        for _ in range(max_batches):
            n = relay_once(queue=queue, connection=conn)
            total += n
            if n < BATCH:
                break
    return total


def run(interval: float = 1.0, stop: threading.Event | None = None,
        queue: str | None = None) -> None:
    """The relay loop (``shequn worker relay``): relay, sleep when idle, back off
    while the broker or the database is away. Returns when ``stop`` is set."""
    stop = stop or threading.Event()
    pause = interval
    log.info("outbox relay started (queue %s)", queue or queue_name())
    while not stop.is_set():
        try:
            db.close_old_connections()
            n = relay_pending(queue=queue)
            pause = 0.0 if n else interval
        except db.Error as exc:
            db.connections.close_all()
            log.warning("relay: database unavailable: %s", exc)
            pause = min(max(pause * 2, interval), 10.0)
        except Exception as exc:
            log.warning("relay: broker unavailable: %s", exc)
            pause = min(max(pause * 2, interval), 10.0)
        if pause:
            stop.wait(pause)
        else:
            time.sleep(0)
    db.connections.close_all()
    log.info("outbox relay stopped")
