"""The relay, the Celery tasks and beat's schedule, without a broker: the
publish is replaced by a recorder that can fail like a broker does. The same
paths with RabbitMQ and a real worker are in test_faults.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from shequn.core import celery_app, clock, outbox, relay, tasks, worker
from shequn.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


class FakeConnection:
    def Producer(self) -> object:  # kombu's name
        return object()


class Broker:
    """Records publishes; ``fail_after`` = confirm that many, then fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail_after: int | None = None

    def send_task(self, name: str, args: list[Any], queue: str, **_: Any) -> None:
        assert name == tasks.process_event.name
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise ConnectionRefusedError("broker down")
        self.sent.append((args[0], queue))


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    b = Broker()
    monkeypatch.setattr(celery_app.app, "send_task", b.send_task)
    return b


def _emit(n: int, topic: str = "r.test") -> list[int]:
    with transaction.atomic():
        return [outbox.emit(topic, "x", i).pk for i in range(n)]


def _relay(**kw: Any) -> int:
    return relay.relay_once(connection=FakeConnection(), **kw)


def test_relay_publishes_each_event_once_and_marks_it(broker: Broker):
    ids = _emit(3)
    assert _relay(queue="q1") == 3
    assert broker.sent == [(i, "q1") for i in ids]
    assert all(e.state == "relayed" for e in OutboxEvent.objects.all())
    assert _relay(queue="q1") == 0 and len(broker.sent) == 3


def test_relay_uses_the_configured_queue(broker: Broker, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SHEQUN_CELERY_QUEUE", "from-env")
    _emit(1)
    _relay()
    assert broker.sent[0][1] == "from-env"


def test_broker_down_marks_nothing_and_raises(broker: Broker):
    _emit(2)
    broker.fail_after = 0
    with pytest.raises(ConnectionRefusedError):
        _relay()
    assert OutboxEvent.objects.filter(relayed_at__isnull=True).count() == 2
    broker.fail_after = None
    assert _relay() == 2


def test_broker_failing_mid_batch_keeps_the_confirmed_ones(broker: Broker):
    ids = _emit(5)
    broker.fail_after = 2
    assert _relay() == 2
    relayed = set(OutboxEvent.objects.filter(relayed_at__isnull=False).values_list("pk", flat=True))
    assert relayed == set(ids[:2])
    broker.fail_after = None
    assert _relay() == 3
    assert [pk for pk, _ in broker.sent] == ids


def test_processed_dead_and_cancelled_events_are_not_relayed(broker: Broker):
    done, dead, cancelled, todo = _emit(4)
    now = clock.now()
    OutboxEvent.objects.filter(pk=done).update(processed_at=now)
    OutboxEvent.objects.filter(pk=dead).update(dead_at=now)
    OutboxEvent.objects.filter(pk=cancelled).update(discarded_at=now, processed_at=now)
    assert _relay() == 1 and broker.sent[0][0] == todo


def test_a_lost_message_is_republished_after_the_stale_timeout(broker: Broker):
    (pk,) = _emit(1)
    _relay(stale_after=60)
    clock.advance(dt.timedelta(seconds=30))
    assert _relay(stale_after=60) == 0
    clock.advance(dt.timedelta(seconds=31))
    assert _relay(stale_after=60) == 1
    assert [p for p, _ in broker.sent] == [pk, pk]
    # ... and not while it waits for its backoff after a failure.
    OutboxEvent.objects.filter(pk=pk).update(available_at=clock.now() + dt.timedelta(hours=1))
    clock.advance(dt.timedelta(seconds=61))
    assert _relay(stale_after=60) == 0


def test_relay_batches_are_bounded(broker: Broker):
    _emit(5)
    assert _relay(limit=2) == 2 and _relay(limit=2) == 2 and _relay(limit=2) == 1


# --------------------------------------------------------------------------- tasks


@pytest.fixture
def seen() -> Iterator[list[int]]:
    got: list[int] = []

    def ok(event: OutboxEvent) -> None:
        got.append(event.pk)

    def boom(event: OutboxEvent) -> None:
        got.append(event.pk)
        raise RuntimeError("nope")

    outbox.handler("r.ok")(ok)
    outbox.handler("r.boom")(boom)
    yield got
    outbox._handlers["r.ok"].remove(ok)
    outbox._handlers["r.boom"].remove(boom)


def test_process_event_task_runs_the_handlers_once(seen: list[int]):
    (pk,) = _emit(1, "r.ok")
    assert tasks.process_event.apply(args=[pk]).get() == "done"
    assert tasks.process_event.apply(args=[pk]).get() == "done"  # redelivered
    assert seen == [pk]
    assert OutboxEvent.objects.get(pk=pk).state == "processed"


def test_process_event_task_retries_until_dead(seen: list[int]):
    (pk,) = _emit(1, "r.boom")
    result = tasks.process_event.apply(args=[pk])  # eager: retries run inline
    assert result.get() == "done"
    event = OutboxEvent.objects.get(pk=pk)
    assert event.state == "dead" and len(seen) == outbox.MAX_ATTEMPTS


def test_process_event_task_retries_on_database_errors(monkeypatch: pytest.MonkeyPatch,
                                                      seen: list[int]):
    from django import db

    (pk,) = _emit(1, "r.ok")
    real = outbox.process
    calls: list[int] = []

    def flaky(event_id: int) -> bool:
        calls.append(event_id)
        if len(calls) == 1:
            raise db.OperationalError("terminating connection due to administrator command")
        return real(event_id)

    monkeypatch.setattr(outbox, "process", flaky)
    monkeypatch.setattr(db.connections, "close_all", lambda: None)  # keep the test's transaction
    assert tasks.process_event.apply(args=[pk]).get() == "done"
    assert calls == [pk, pk] and seen == [pk]


def test_beat_schedules_every_registered_periodic_job():
    ran: list[str] = []

    def tick() -> None:
        ran.append("tick")

    worker.periodic(tick)
    try:
        name = worker.job_name(tick)
        schedule = celery_app.beat_schedule()
        entry = schedule[f"periodic:{name}"]
        assert entry["task"] == "shequn.run_periodic" and entry["args"] == (name,)
        assert schedule["relay-sweep"]["task"] == "shequn.relay_sweep"
        # Jobs other apps registered in ready() are there too.
        assert any(k.startswith("periodic:shequn.orders") for k in schedule)
        assert tasks.run_periodic.apply(args=[name]).get() == "done" and ran == ["tick"]
        assert tasks.run_periodic.apply(args=["no.such.job"]).get() == "unknown"
    finally:
        worker._periodic.remove(tick)


def test_celery_delivery_settings_follow_the_reliability_spec():
    conf = celery_app.app.conf
    assert conf.broker_transport_options["confirm_publish"] is True
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_default_delivery_mode == "persistent"
    assert all(q.durable for q in conf.task_queues)
    assert conf.task_time_limit < 30 * 60  # below RabbitMQ's consumer_timeout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_relays_never_publish_the_same_event(broker: Broker):
    """FOR UPDATE SKIP LOCKED: while one relay holds a batch (waiting for the
    broker's confirms), a second relay takes the other events, not those."""
    import threading
    import time

    from django.db import connection

    ids = _emit(6)
    holding, release = threading.Event(), threading.Event()
    first_batch: list[int] = []
    real = broker.send_task

    def slow_confirm(name: str, args: list[Any], queue: str, **kw: Any) -> None:
        if threading.current_thread().name == "relay-a":
            first_batch.append(args[0])
            if len(first_batch) == 3:
                holding.set()
                release.wait(10)
        real(name, args, queue, **kw)

    broker.send_task = slow_confirm  # type: ignore[method-assign]
    celery_app.app.send_task = slow_confirm  # type: ignore[method-assign]

    def relay_a() -> None:
        try:
            _relay(limit=3)
        finally:
            connection.close()

    a = threading.Thread(target=relay_a, name="relay-a")
    a.start()
    assert holding.wait(10)
    started = time.monotonic()
    assert _relay(limit=10) == 3  # only the three that relay A does not hold
    assert time.monotonic() - started < 5  # without waiting for relay A's locks
    release.set()
    a.join(10)
    sent = [pk for pk, _ in broker.sent]
    assert sorted(sent) == ids and len(set(sent)) == len(ids)
