"""WeChat payment declarations polled by several workers at once, with real
concurrent connections on PostgreSQL: the verdict is applied once (one CEB621
queued, one hold with one status change), whoever gets there first."""

from __future__ import annotations

import pytest

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.customs import events, paydecl
from shequn.customs.models import Declaration, Message, PaymentDeclaration
from shequn.customs.wxdeclare import sim
from shequn.orders.models import Order, OrderStatusChange
from tests.customs.test_ship_cancel_concurrency_pg import _race

from .wechat_paydecl_helpers import wechat_paid_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 4


def _submitted() -> PaymentDeclaration:
    order = wechat_paid_order()
    for _ in range(3):
        outbox.drain()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == PaymentDeclaration.State.SUBMITTED
    # SUBMITTED, PROCESSING: the next query answers the verdict.
    assert paydecl.poll(pd.pk) == paydecl.poll(pd.pk) == "progress"
    return pd


def test_concurrent_polls_apply_success_once():
    pd = _submitted()
    results: list[str] = []
    outcomes = _race([lambda: results.append(paydecl.poll(pd.pk)) for _ in range(WORKERS)])
    assert outcomes == ["ok"] * WORKERS, outcomes
    assert results.count("accepted") == 1, results
    assert set(results) <= {"accepted", "duplicate", "skipped"}
    declaration = Declaration.objects.get(order_id=pd.order_id)
    inventory = Message.objects.get(declaration=declaration, kind="CEB621")
    assert OutboxEvent.objects.filter(topic=events.SEND,
                                      aggregate_id=str(inventory.pk)).count() == 1


def test_concurrent_polls_hold_the_order_once():
    sim.get().add_fault("query", "fail")
    pd = _submitted()
    results: list[str] = []
    outcomes = _race([lambda: results.append(paydecl.poll(pd.pk)) for _ in range(WORKERS)])
    assert outcomes == ["ok"] * WORKERS, outcomes
    assert results.count("failed") == 1, results
    assert Order.objects.get(pk=pd.order_id).state == Order.State.ON_HOLD
    assert OrderStatusChange.objects.filter(order_id=pd.order_id,
                                            to_state=Order.State.ON_HOLD).count() == 1
