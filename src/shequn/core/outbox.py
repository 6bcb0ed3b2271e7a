"""Transactional outbox: ``emit`` inside the caller's transaction; ``process``
runs the handlers registered for one event. The embedded runtime drains in a
thread (worker.py, ``drain``); in production the relay (relay.py) hands events
to Celery (tasks.py) which calls the same ``process``.

An event's life: pending (written) → relayed (the broker confirmed it; production
only) → processed. An event that keeps failing becomes a dead letter after
MAX_ATTEMPTS; nothing retries it until an operator resends or cancels it
(``resend`` / ``discard``, audit-logged)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet

from shequn.core import audit, clock
from shequn.core.errors import CodedError, DomainError
from shequn.core.errors import msgid as _
from shequn.core.models import OutboxEvent

log = logging.getLogger("shequn.outbox")

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
_dead_hooks: dict[str, list[Handler]] = defaultdict(list)
# Handlers that call another system (a network send) run outside the event's
# transaction and row lock: a slow or hanging peer must not hold a connection
# and a lock. They make their own short transactions and must be idempotent
# under concurrent runs of the same event (a redelivered task).
_outside: set[Handler] = set()

MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 3600


class OutboxError(CodedError):
    NOT_FOUND = ("outbox_event_not_found", _("Outbox event not found"), 404)
    NOT_DEAD = ("outbox_event_not_dead", _("Only a dead letter can be resent or cancelled"), 409)
    REASON_REQUIRED = ("reason_required", _("Please give a reason"), 422)


# Which rows are in which state (see OutboxEvent.state). "open" = still needs
# work or an operator: everything not processed and not cancelled.
STATES: dict[str, Q] = {
    "pending": Q(processed_at__isnull=True, dead_at__isnull=True, relayed_at__isnull=True),
    "relayed": Q(processed_at__isnull=True, dead_at__isnull=True, relayed_at__isnull=False),
    "failing": Q(processed_at__isnull=True, dead_at__isnull=True, attempts__gt=0),
    "dead": Q(processed_at__isnull=True, dead_at__isnull=False),
    "processed": Q(processed_at__isnull=False, discarded_at__isnull=True),
    "discarded": Q(discarded_at__isnull=False),
    "open": Q(processed_at__isnull=True),
}


def in_state(state: str, qs: QuerySet[OutboxEvent] | None = None) -> QuerySet[OutboxEvent]:
    base = OutboxEvent.objects.all() if qs is None else qs
    return base.filter(STATES[state])


def emit(topic: str, aggregate: str = "", aggregate_id: object = "", **payload: Any
         ) -> OutboxEvent:
    """Record an event; must run inside the transaction that changes the state."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.emit must be called inside a transaction")
    return OutboxEvent.objects.create(topic=topic, aggregate=aggregate,
                                      aggregate_id=str(aggregate_id), payload=payload,
                                      available_at=clock.now())


def handler(topic: str, *, in_transaction: bool = True) -> Callable[[Handler], Handler]:
    """Register ``fn`` for ``topic``; ``in_transaction=False`` runs it outside
    the event's transaction (see ``_outside``)."""
    def register(fn: Handler) -> Handler:
        if fn not in _handlers[topic]:
            _handlers[topic].append(fn)
        if not in_transaction:
            _outside.add(fn)
        return fn
    return register


def on_dead(topic: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` to run when an event of ``topic`` becomes a dead letter,
    in the transaction that marks it: for a domain whose record would otherwise
    say "in progress" forever (an EPCIS capture job a client polls). It runs
    in a savepoint; its failure is logged and the event is dead all the same."""
    def register(fn: Handler) -> Handler:
        if fn not in _dead_hooks[topic]:
            _dead_hooks[topic].append(fn)
        return fn
    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, []))


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure (exponential, capped)."""
    return float(min(2 ** attempts, MAX_BACKOFF_SECONDS))


def process(event: OutboxEvent | int) -> bool:
    """Run every handler of one event in one transaction and mark it processed.

    Returns True when the event needs nothing more (processed now or before,
    dead, cancelled, gone) and False when it failed and should be retried at its
    ``available_at``. Delivery is at least once (a redelivered message, a relay
    that republishes): the row lock and the ``processed_at IS NULL`` check make a
    duplicate a no-op, and handlers are idempotent for the crash between their
    effect and the mark (both are in the same transaction here anyway)."""
    pk = event if isinstance(event, int) else event.pk
    open_row = Q(pk=pk, processed_at__isnull=True, dead_at__isnull=True)
    # Count the attempt in its own committed transaction before running anything,
    # so a handler that kills its process (OOM, SIGKILL, segfault) still uses up
    # an attempt: a poison event ends as a dead letter instead of looping forever.
    with transaction.atomic():
        if not OutboxEvent.objects.filter(open_row).update(attempts=F("attempts") + 1):
            return True
    errors: list[str] = []
    refusals = 0
    row = OutboxEvent.objects.filter(open_row).first()
    if row is None:
        return True
    handlers = handlers_for(row.topic)
    if row.attempts <= MAX_ATTEMPTS:
        # Calls to other systems first, outside any transaction (see _outside).
        for fn in (fn for fn in handlers if fn in _outside):
            refusals += _run(fn, row, errors, len(handlers) > 1)
    with transaction.atomic():
        locked = OutboxEvent.objects.select_for_update().filter(open_row).first()
        if locked is None:
            return True  # someone else finished it
        if locked.attempts > MAX_ATTEMPTS:
            # Earlier attempts died without recording an error (killed process).
            return _fail(locked, "attempt budget used up by runs that never finished")
        # Every handler runs, each in its own savepoint: one domain's failure
        # (say customs refusing bad data) must not hold back another's reaction
        # (commission accrual). The event is retried as a whole; handlers are
        # idempotent, so those that succeeded do nothing the second time.
        for fn in (fn for fn in handlers if fn not in _outside):
            refusals += _run(fn, locked, errors, len(handlers) > 1)
        if errors:
            # A domain refusal (say customs finding the order not declarable) will
            # not change by retrying: straight to the dead letters, where an
            # operator sees it. Anything else (network, database) is retried.
            return _fail(locked, "; ".join(errors), final=refusals == len(errors))
        locked.processed_at = clock.now()
        locked.save(update_fields=["processed_at"])
        return True


def _run(fn: Handler, event: OutboxEvent, errors: list[str], named: bool) -> int:
    """Run one handler (in a savepoint of the event's transaction, or on its own
    for the ``_outside`` ones); a failure is appended to ``errors``. Returns 1
    when it was a domain refusal (retrying will not help), else 0."""
    try:
        if fn in _outside:
            fn(event)
        else:
            with transaction.atomic():
                fn(event)
    except Exception as exc:
        name = getattr(fn, "__qualname__", repr(fn))
        log.warning("outbox event %s (%s) handler %s failed: %s", event.pk, event.topic,
                    name, exc)
        error = f"{type(exc).__name__}: {exc}"
        errors.append(f"{name}: {error}" if named else error)
        return int(isinstance(exc, DomainError))
    return 0


def _fail(locked: OutboxEvent, error: str, *, final: bool = False) -> bool:
    """Record a failed attempt on the locked row; returns True if it is now dead."""
    now = clock.now()
    locked.last_error = error[:2000]
    if final or locked.attempts >= MAX_ATTEMPTS:
        locked.dead_at = now
        log.error("outbox event %s (%s) is a dead letter after %s attempts",
                  locked.pk, locked.topic, locked.attempts)
        for fn in _dead_hooks.get(locked.topic, []):
            try:
                with transaction.atomic():
                    fn(locked)
            except Exception:
                log.exception("dead-letter hook of outbox event %s (%s) failed",
                              locked.pk, locked.topic)
    else:
        locked.available_at = now + dt.timedelta(seconds=retry_delay(locked.attempts))
    locked.save(update_fields=["last_error", "dead_at", "available_at"])
    return locked.dead_at is not None


def drain(limit: int = 500) -> int:
    """Process due events in order (embedded runtime); returns how many were looked at."""
    due = list(OutboxEvent.objects.filter(processed_at__isnull=True, dead_at__isnull=True,
                                          available_at__lte=clock.now())
               .order_by("id").values_list("pk", flat=True)[:limit])
    for pk in due:
        process(pk)
    return len(due)


def backlog() -> dict[str, Any]:
    """Counts for the ops pages: open work, events failing, dead letters, oldest open."""
    open_qs = in_state("open")
    oldest = open_qs.order_by("available_at").values_list("available_at", flat=True).first()
    return {"pending": open_qs.count(), "failing": in_state("failing").count(),
            "dead": in_state("dead").count(), "unrelayed": in_state("pending").count(),
            "oldest": oldest}


# --------------------------------------------------------------------------- operators


def _locked_dead(event_id: int) -> OutboxEvent:
    event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise OutboxError.NOT_FOUND.error(event=event_id)
    if event.state != "dead":
        raise OutboxError.NOT_DEAD.error(event=event_id, state=event.state)
    return event


@transaction.atomic
def resend(event_id: int, actor: Any, note: str = "") -> OutboxEvent:
    """Give a dead letter a fresh attempt budget; the relay (or the embedded
    drain) picks it up again. The last error stays for the record."""
    event = _locked_dead(event_id)
    audit.record(actor, "outbox.resend", event, topic=event.topic, attempts=event.attempts,
                 last_error=event.last_error[:200], note=note[:500])
    event.attempts = 0
    event.dead_at = None
    event.relayed_at = None  # not with the broker any more: the relay publishes it again
    event.available_at = clock.now()
    event.save(update_fields=["attempts", "dead_at", "relayed_at", "available_at"])
    log.info("outbox event %s resent by an operator", event.pk)
    return event


@transaction.atomic
def discard(event_id: int, actor: Any, reason: str) -> OutboxEvent:
    """Cancel a dead letter for good: its handlers never run. Marked processed
    as well so nothing that looks for open work picks it up."""
    reason = (reason or "").strip()
    if not reason:
        raise OutboxError.REASON_REQUIRED.error()
    event = _locked_dead(event_id)
    now = clock.now()
    audit.record(actor, "outbox.discard", event, topic=event.topic, attempts=event.attempts,
                 last_error=event.last_error[:200], reason=reason[:500])
    event.discarded_at = now
    event.processed_at = now
    event.discard_reason = reason[:2000]
    event.save(update_fields=["discarded_at", "processed_at", "discard_reason"])
    log.info("outbox event %s discarded by an operator", event.pk)
    return event
