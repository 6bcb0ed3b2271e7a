"""Outbox processing: retries with backoff, dead letters after MAX_ATTEMPTS,
and the operator's resend / cancel (service functions and the ops page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from shequn.accounts.models import User
from shequn.accounts.roles import OPERATOR, grant
from shequn.core import clock, outbox
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog, OutboxEvent

pytestmark = pytest.mark.django_db

runs: list[int] = []


@pytest.fixture(autouse=True)
def _handlers() -> Iterator[None]:
    def ok(event: OutboxEvent) -> None:
        runs.append(event.pk)

    def boom(event: OutboxEvent) -> None:
        runs.append(event.pk)
        raise ValueError("supplier API said no")

    runs.clear()
    outbox.handler("t.ok")(ok)
    outbox.handler("t.boom")(boom)
    yield
    outbox._handlers["t.ok"].remove(ok)
    outbox._handlers["t.boom"].remove(boom)


def _emit(topic: str) -> OutboxEvent:
    with transaction.atomic():
        return outbox.emit(topic, "thing", 7, n=1)


def _kill(event: OutboxEvent) -> OutboxEvent:
    """Drive a failing event to a dead letter through drain, moving the clock."""
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.drain()
        clock.advance(dt.timedelta(seconds=outbox.MAX_BACKOFF_SECONDS))
    event.refresh_from_db()
    return event


def test_success_runs_once_and_marks_processed():
    event = _emit("t.ok")
    assert outbox.process(event) is True
    assert outbox.process(event) is True  # a duplicate delivery
    event.refresh_from_db()
    assert runs == [event.pk] and event.state == "processed" and event.attempts == 1


def test_failure_backs_off_exponentially_and_records_the_error():
    event = _emit("t.boom")
    before = clock.now()
    assert outbox.process(event) is False
    event.refresh_from_db()
    assert event.attempts == 1 and event.processed_at is None and event.dead_at is None
    assert event.last_error == "ValueError: supplier API said no"
    assert event.available_at >= before + dt.timedelta(seconds=outbox.retry_delay(1))
    assert outbox.drain() == 0  # not due yet
    clock.advance(dt.timedelta(seconds=outbox.retry_delay(1) + 1))
    assert outbox.drain() == 1
    event.refresh_from_db()
    assert event.attempts == 2
    assert outbox.retry_delay(2) == 2 * outbox.retry_delay(1)


def test_event_becomes_dead_after_max_attempts_and_is_not_retried():
    event = _kill(_emit("t.boom"))
    assert event.state == "dead" and event.attempts == outbox.MAX_ATTEMPTS
    assert len(runs) == outbox.MAX_ATTEMPTS
    clock.advance(dt.timedelta(days=1))
    assert outbox.drain() == 0 and len(runs) == outbox.MAX_ATTEMPTS
    assert outbox.process(event) is True and len(runs) == outbox.MAX_ATTEMPTS
    assert outbox.backlog()["dead"] == 1


def test_attempts_killed_without_an_error_still_count():
    """A run killed mid-handler leaves no error, but the attempt was counted
    before the handler ran: a poison event cannot loop forever."""
    event = _emit("t.ok")
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=outbox.MAX_ATTEMPTS)
    assert outbox.process(event) is True
    event.refresh_from_db()
    assert event.state == "dead" and runs == [] and "never finished" in event.last_error


def test_resend_gives_a_fresh_budget_and_is_audited():
    operator = User.objects.create_user("op1", password="x")
    event = _kill(_emit("t.boom"))
    OutboxEvent.objects.filter(pk=event.pk).update(relayed_at=clock.now())
    outbox.resend(event.pk, operator, note="supplier fixed")
    event.refresh_from_db()
    assert event.state == "pending" and event.attempts == 0 and event.relayed_at is None
    assert event.last_error  # kept for the record
    entry = AuditLog.objects.get(action="outbox.resend")
    assert entry.actor == operator and entry.object_id == str(event.pk)
    assert entry.detail["note"] == "supplier fixed"
    runs.clear()
    outbox.drain()
    assert runs == [event.pk]


def test_cancel_needs_a_reason_marks_discarded_and_is_audited():
    operator = User.objects.create_user("op2", password="x")
    event = _kill(_emit("t.boom"))
    with pytest.raises(DomainError) as err:
        outbox.discard(event.pk, operator, "  ")
    assert err.value.code == "reason_required"
    outbox.discard(event.pk, operator, "order was cancelled by hand")
    event.refresh_from_db()
    assert event.state == "discarded" and event.discard_reason == "order was cancelled by hand"
    assert AuditLog.objects.filter(action="outbox.discard", object_id=str(event.pk)).count() == 1
    clock.advance(dt.timedelta(days=1))
    runs.clear()
    assert outbox.drain() == 0 and runs == []
    assert outbox.backlog()["pending"] == 0


@pytest.mark.parametrize("action", ["resend", "discard"])
def test_only_dead_letters_can_be_resent_or_cancelled(action: str):
    event = _emit("t.ok")
    with pytest.raises(DomainError) as err:
        getattr(outbox, action)(event.pk, None, "why")
    assert err.value.code == "outbox_event_not_dead" and err.value.status == 409
    with pytest.raises(DomainError) as err:
        getattr(outbox, action)(987654, None, "why")
    assert err.value.code == "outbox_event_not_found"
    assert not AuditLog.objects.exists()


# --------------------------------------------------------------------------- ops page


@pytest.fixture
def ops() -> Client:
    user = User.objects.create_user("ops-outbox", password="x")
    grant(user, OPERATOR)
    c = Client()
    c.force_login(user)
    return c


def test_ops_page_lists_dead_letters_with_their_error(ops: Client):
    dead = _kill(_emit("t.boom"))
    done = _emit("t.ok")
    outbox.process(done)
    html = ops.get(reverse("ops:outbox") + "?state=dead").content.decode()
    assert 'data-state="dead"' in html and "supplier API said no" in html
    assert 'data-state="processed"' not in html
    assert f"outbox-resend-{dead.pk}" in html and f"outbox-cancel-{dead.pk}" in html
    html = ops.get(reverse("ops:outbox") + "?state=processed").content.decode()
    assert 'data-state="processed"' in html and 'data-state="dead"' not in html
    detail = ops.get(reverse("ops:outbox_event", args=[dead.pk])).content.decode()
    assert ('data-testid="outbox-last-error" translate="no">ValueError: supplier API said no'
            in detail)
    assert ops.get(reverse("ops:outbox") + "?topic=t.ok").content.decode().count(
        'data-state="') == 1


def test_ops_resend_and_cancel_through_the_page(ops: Client):
    a = _kill(_emit("t.boom"))
    b = _kill(_emit("t.boom"))
    resp = ops.post(reverse("ops:outbox_action", args=[a.pk, "resend"]), {"reason": ""})
    assert resp.status_code == 302
    a.refresh_from_db()
    assert a.state == "pending"
    # Cancel without a reason is refused and changes nothing.
    ops.post(reverse("ops:outbox_action", args=[b.pk, "cancel"]), {"reason": ""})
    b.refresh_from_db()
    assert b.state == "dead"
    ops.post(reverse("ops:outbox_action", args=[b.pk, "cancel"]), {"reason": "duplicate"})
    b.refresh_from_db()
    assert b.state == "discarded"
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert actions == {"outbox.resend", "outbox.discard"}
    assert ops.post(reverse("ops:outbox_action", args=[b.pk, "explode"])).status_code == 404


def test_outbox_pages_are_for_operators_only():
    event = _kill(_emit("t.boom"))
    buyer = User.objects.create_user("buyer-outbox", password="x")
    c = Client()
    assert c.get(reverse("ops:outbox")).status_code == 302  # to the login page
    c.force_login(buyer)
    assert c.get(reverse("ops:outbox")).status_code == 403
    assert c.get(reverse("ops:outbox_event", args=[event.pk])).status_code == 403
    resp = c.post(reverse("ops:outbox_action", args=[event.pk, "resend"]))
    assert resp.status_code == 403
    event.refresh_from_db()
    assert event.state == "dead" and not AuditLog.objects.exists()


def test_embedded_worker_waits_for_every_app_before_draining(monkeypatch):
    """Started from CoreConfig.ready(), the thread must not drain before the
    other apps registered their handlers (events would be lost)."""
    from django.apps import apps

    from shequn.core import worker

    calls: list[bool] = []
    monkeypatch.setattr(apps, "ready", False)

    def once() -> None:
        calls.append(apps.ready)
        raise SystemExit  # stop the loop after its first round

    monkeypatch.setattr(worker, "run_once", once)
    import threading

    thread = threading.Thread(target=lambda: _run_loop(worker), daemon=True)
    thread.start()
    thread.join(0.3)
    assert calls == []  # still waiting
    monkeypatch.setattr(apps, "ready", True)
    thread.join(2)
    assert calls == [True]


def _run_loop(worker) -> None:
    try:
        worker._loop(0.01)
    except SystemExit:
        pass


@pytest.mark.django_db
def test_one_failing_handler_does_not_hold_back_the_others():
    from django.db import transaction

    from shequn.core import outbox
    from shequn.core.models import AuditLog

    topic = "test.isolated_handlers"

    def broken(event):
        raise RuntimeError("customs refused")

    def works(event):
        if not AuditLog.objects.filter(action="test.works", object_id=str(event.pk)).exists():
            AuditLog.objects.create(action="test.works", object_type="OutboxEvent",
                                    object_id=str(event.pk))

    outbox.handler(topic)(broken)
    outbox.handler(topic)(works)
    try:
        with transaction.atomic():
            event = outbox.emit(topic, "test", 1)
        assert outbox.process(event.pk) is False  # failed, will be retried
        event.refresh_from_db()
        assert "customs refused" in event.last_error and event.processed_at is None
        # The working handler's effect is kept, once, across retries.
        outbox.process(event.pk)
        assert AuditLog.objects.filter(action="test.works").count() == 1
    finally:
        outbox._handlers.pop(topic, None)


@pytest.mark.django_db
def test_a_domain_refusal_goes_straight_to_the_dead_letters():
    """Retrying a business refusal changes nothing: the operator sees it at once."""
    from django.db import transaction

    from shequn.core import outbox

    topic = "test.refused"

    def refuses(event):
        raise DomainError("not_declarable", "Not declarable", 422)

    outbox.handler(topic)(refuses)
    try:
        with transaction.atomic():
            event = outbox.emit(topic, "test", 1)
        assert outbox.process(event.pk) is True  # nothing more to do: dead
        event.refresh_from_db()
        assert event.dead_at is not None and event.attempts == 1
        assert "not_declarable" in event.last_error
    finally:
        outbox._handlers.pop(topic, None)
