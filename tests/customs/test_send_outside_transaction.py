"""Handing a message to customs runs outside any database transaction: the
attempt is recorded and committed first, the gateway is called with nothing
open (a slow or hanging single window holds no connection and no row lock),
then the outcome is recorded for that attempt only. A crash between attempt
and outcome, a duplicate run and a late answer of an older attempt are safe."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from shequn.core import clock, outbox
from shequn.core.models import OutboxEvent
from shequn.customs import events, gateway, services, states
from shequn.customs.models import Message
from tests.customs.test_console import declared, unreachable_gateway

M = Message.State


class WatchingGateway:
    """Records, for every hand-over, whether a transaction was open, the
    message's committed state, and whether another connection could lock the
    message's send event right then (PostgreSQL)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def submit(self, data: bytes) -> list[bytes]:
        sending = Message.objects.filter(state=M.SENDING).values_list("pk", "attempts")
        seen: dict[str, object] = {"in_atomic_block": connection.in_atomic_block,
                                   "sending": list(sending)}
        if connection.vendor == "postgresql":
            seen["event_lock_free"] = self._lockable_elsewhere([pk for pk, _ in sending])
        self.calls.append(seen)
        return []

    @staticmethod
    def _lockable_elsewhere(message_ids: list[int]) -> bool:
        free: list[bool] = []

        def probe() -> None:
            try:
                with transaction.atomic():
                    rows = OutboxEvent.objects.select_for_update(nowait=True).filter(
                        topic=events.SEND, aggregate_id__in=[str(i) for i in message_ids])
                    free.append(len(list(rows)) == len(message_ids))
            except Exception:
                free.append(False)
            finally:
                connection.close()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join(timeout=30)
        return free == [True]


@pytest.mark.django_db(transaction=True)
def test_the_gateway_is_called_outside_any_transaction(monkeypatch):
    fake = WatchingGateway()
    monkeypatch.setattr(gateway, "get_gateway", lambda deliver: fake)
    declaration = declared()
    outbox.drain()
    outbox.drain()  # the inventory list, queued once the three documents went
    kinds = list(Message.objects.filter(declaration=declaration).values_list("kind", "state"))
    assert kinds == [(k, M.SENT) for k in ("CEB311", "CEB411", "CEB511", "CEB621")]
    assert len(fake.calls) == 4
    for call in fake.calls:
        assert call["in_atomic_block"] is False
        # The attempt was committed before the call: one message is sending, attempt 1.
        assert len(call["sending"]) == 1 and call["sending"][0][1] == 1  # type: ignore[index]
        if connection.vendor == "postgresql":
            assert call["event_lock_free"] is True


@pytest.mark.django_db
def test_a_failed_hand_over_is_recorded_on_the_message_and_retried(settings):
    unreachable_gateway(settings)
    declaration = declared()
    outbox.drain()
    for message in Message.objects.filter(declaration=declaration).exclude(kind="CEB621"):
        assert message.state == M.QUEUED and message.attempts == 1
        assert "Connection refused" in message.last_error or "refused" in message.last_error
        event = OutboxEvent.objects.get(topic=events.SEND, aggregate_id=str(message.pk))
        assert event.attempts == 1 and event.processed_at is None and event.dead_at is None


@pytest.mark.django_db
def test_crash_between_attempt_and_outcome_is_taken_over_once_stale(monkeypatch):
    declaration = declared()
    first = Message.objects.filter(declaration=declaration).order_by("pk").first()
    assert first is not None
    # A run records its attempt and dies before the outcome (process killed).
    started = services._start_attempt(first.pk)
    assert started is not None and started[1] == 1
    first.refresh_from_db()
    assert first.state == M.SENDING
    # While that attempt may still be under way, another run does not send again.
    with pytest.raises(services.SendInFlight):
        services.send(first.pk)
    calls: list[bytes] = []
    monkeypatch.setattr(gateway, "get_gateway",
                        lambda deliver: type("G", (), {"submit": lambda s, d: calls.append(d)
                                                       or []})())
    clock.advance(dt.timedelta(seconds=states.SEND_STALE_SECONDS + 1))
    assert services.send(first.pk) == "sent"
    first.refresh_from_db()
    assert first.state == M.SENT and first.attempts == 2 and len(calls) == 1
    # A redelivered event afterwards does nothing.
    assert services.send(first.pk) == "skipped"
    assert len(calls) == 1


@pytest.mark.django_db
def test_late_outcomes_of_an_older_attempt_change_nothing():
    declaration = declared()
    message = Message.objects.filter(declaration=declaration).order_by("pk").first()
    assert message is not None
    services._start_attempt(message.pk)
    clock.advance(dt.timedelta(seconds=states.SEND_STALE_SECONDS + 1))
    services._start_attempt(message.pk)  # attempt 2 takes over
    # Attempt 1's failure arrives late: attempt 2 is still the one in flight.
    assert services._move(message.pk, "send_failed", attempt=1, last_error="late") == 0
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (M.SENDING, 2, "")
    assert services._move(message.pk, "delivered", sent_at=clock.now()) == 1
    sent_at = Message.objects.get(pk=message.pk).sent_at
    # Attempt 2's failure or a second success after the message went: nothing.
    assert services._move(message.pk, "send_failed", attempt=2, last_error="x") == 0
    assert services._move(message.pk, "delivered", sent_at=clock.now()) == 0
    message.refresh_from_db()
    assert message.state == M.SENT and message.sent_at == sent_at and message.last_error == ""
