"""A CEB message's states are data (customs.states.MESSAGE_MOVES), a message
an operator gave up on has a state of its own, and rows written before that
state existed (``failed`` with a ``[cancelled] `` prefix) are migrated to it."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.customs import ops, selectors, states
from shequn.customs.models import Message

M = Message.State
migration = importlib.import_module(
    "shequn.customs.migrations.0004_message_states_cancel_pending")


def test_message_moves_are_data():
    sources, target = states.message_move("give_up")
    assert target == M.CANCELLED and M.SENT not in sources and M.CANCELLED not in sources
    assert states.message_move("send_failed") == (frozenset({M.SENDING}), M.QUEUED)
    assert set(M.values) == states.MESSAGE_STATES
    for sources, target in states.MESSAGE_MOVES.values():
        assert sources <= states.MESSAGE_STATES and target in states.MESSAGE_STATES


def _message(state: str, last_error: str) -> Message:
    return Message.objects.create(kind="CEB311", cop_msg_id=f"m{Message.objects.count()}",
                                  business_key="k", body_enc="", state=state,
                                  last_error=last_error, created_at=clock.now())


@pytest.mark.django_db
def test_marked_messages_are_migrated_to_the_cancelled_state_and_back():
    marked = _message(M.FAILED, "[cancelled] 订单已人工处理 | CEB900: 报文格式错误")
    refused = _message(M.FAILED, "CEB900: 报文格式错误")
    migration.cancelled_state(apps, None)
    marked.refresh_from_db()
    refused.refresh_from_db()
    assert (marked.state, marked.cancel_reason, marked.last_error) == (
        M.CANCELLED, "订单已人工处理", "CEB900: 报文格式错误")
    assert (refused.state, refused.last_error) == (M.FAILED, "CEB900: 报文格式错误")
    assert selectors.is_cancelled(marked) and not selectors.is_cancelled(refused)
    assert list(selectors.failing_messages()) == [refused]
    assert set(selectors.failing_messages(include_cancelled=True)) == {marked, refused}
    migration.cancelled_mark(apps, None)
    marked.refresh_from_db()
    assert marked.state == M.FAILED
    assert marked.last_error == "[cancelled] 订单已人工处理 | CEB900: 报文格式错误"


@pytest.mark.django_db
def test_a_message_stuck_sending_can_be_resent_only_once_stale(django_user_model):
    user = django_user_model.objects.create(username="op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    stuck = _message(M.SENDING, "")
    Message.objects.filter(pk=stuck.pk).update(attempts=8, attempted_at=clock.now())
    with pytest.raises(DomainError) as exc:
        ops.resend_message(user, stuck.pk)
    assert exc.value.code == "customs_message_retrying"
    assert stuck not in selectors.failing_messages()
    clock.advance(dt.timedelta(seconds=states.SEND_STALE_SECONDS + 1))
    assert stuck in selectors.failing_messages()
    ops.resend_message(user, stuck.pk, note="worker died mid-send")
    stuck.refresh_from_db()
    assert stuck.state == M.QUEUED
