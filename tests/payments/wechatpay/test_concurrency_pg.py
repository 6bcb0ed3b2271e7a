"""WeChat notifications under real concurrency (PostgreSQL, one connection per
thread): the same notification, and re-sent copies with new event ids, arriving
at once pay once and all answer 204 (reliability-security P1)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shequn.core.models import OutboxEvent
from shequn.orders.models import Order
from shequn.payments.models import Payment, PaymentNotification
from shequn.payments.wechatpay import notify
from tests.payments.wechatpay.test_notify_refusals import _notification, _placed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def _race(notes):
    barrier = threading.Barrier(len(notes))
    statuses = [0] * len(notes)

    def run(i):
        try:
            barrier.wait(timeout=30)
            statuses[i] = notify.answer("transaction", notes[i][1], notes[i][0])[0]
        except Exception as exc:  # a deadlock or anything else fails the test
            statuses[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(notes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return statuses


@pytest.mark.parametrize("same_id", [True, False])
def test_concurrent_notifications_pay_once(wxpay, same_id):
    order, payment = _placed()
    notes = [_notification(wxpay, payment, event_id="EV-1" if same_id else f"EV-{i}")
             for i in range(THREADS)]
    assert _race(notes) == [204] * THREADS
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert Payment.objects.filter(order=order, state="succeeded").count() == 1
    assert PaymentNotification.objects.filter(outcome="applied").count() == 1
    assert OutboxEvent.objects.filter(topic="order.paid", aggregate_id=str(order.pk)).count() == 1
