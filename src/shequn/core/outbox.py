"""Transactional outbox: ``emit`` inside the caller's transaction; ``drain`` runs
the handlers registered for each topic. The embedded runtime drains in a thread
(worker.py); in production a relay hands events to Celery with the same handlers."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

from shequn.core import clock
from shequn.core.models import OutboxEvent

log = logging.getLogger("shequn.outbox")

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)

MAX_ATTEMPTS = 8


def emit(topic: str, aggregate: str = "", aggregate_id: object = "", **payload: Any
         ) -> OutboxEvent:
    """Record an event; must run inside the transaction that changes the state."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.emit must be called inside a transaction")
    return OutboxEvent.objects.create(topic=topic, aggregate=aggregate,
                                      aggregate_id=str(aggregate_id), payload=payload,
                                      available_at=clock.now())


def handler(topic: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if fn not in _handlers[topic]:
            _handlers[topic].append(fn)
        return fn
    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, []))


def process(event: OutboxEvent) -> None:
    """Run every handler of one event in its own transaction; handlers are
    idempotent, so a retry after a crash between handler and mark is harmless."""
    with transaction.atomic():
        locked = (OutboxEvent.objects.select_for_update()
                  .filter(pk=event.pk, processed_at__isnull=True).first())
        if locked is None:
            return  # someone else finished it
        try:
            for fn in handlers_for(locked.topic):
                with transaction.atomic():
                    fn(locked)
        except Exception as exc:
            locked.attempts += 1
            locked.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            backoff = dt.timedelta(seconds=min(2 ** locked.attempts, 3600))
            locked.available_at = clock.now() + backoff
            if locked.attempts >= MAX_ATTEMPTS:
                log.error("outbox event %s dead after %s attempts", locked.pk, locked.attempts)
            locked.save(update_fields=["attempts", "last_error", "available_at"])
            log.warning("outbox event %s (%s) failed: %s", locked.pk, locked.topic, exc)
            return
        locked.processed_at = clock.now()
        locked.save(update_fields=["processed_at"])


def drain(limit: int = 500) -> int:
    """Process due events in order; returns how many were looked at."""
    due = list(OutboxEvent.objects.filter(processed_at__isnull=True,
                                          available_at__lte=clock.now(),
                                          attempts__lt=MAX_ATTEMPTS)
               .order_by("id")[:limit])
    for event in due:
        process(event)
    return len(due)
