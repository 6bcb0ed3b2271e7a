"""Refunds and returns: reverse before settlement, claw back after (issue 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.commission import selectors, services
from shequn.commission.errors import CommissionError
from shequn.commission.models import Account, CommissionLine, Posting
from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.orders.models import Order, OrderLine
from shequn.payments import services as payment_services
from tests.builders import complete, paid_order

pytestmark = pytest.mark.django_db


def _emit(topic: str, order: Order, **payload) -> None:
    from django.db import transaction

    with transaction.atomic():
        outbox.emit(topic, "order", order.pk, number=order.number, **payload)
    outbox.drain()


def test_full_refund_before_settlement_reverses(leader, sku, default_plan, operator):
    user = leader[0]
    order = paid_order(leader[1], sku)
    line = CommissionLine.objects.get(order=order)
    payment_services.refund_order(order.pk, actor=operator, reason="买家退款")
    outbox.drain()
    order.refresh_from_db()
    assert order.state == Order.State.REFUNDED
    line.refresh_from_db()
    assert line.state == "reversed" and line.reversed_amount == line.amount
    assert selectors.balances(user).pending == 0
    # Settlement never picks it up, even if the order were completed later.
    complete(order)
    assert services.settle_due() is None
    assert selectors.unbalanced_entries() == []


def test_full_refund_after_settlement_books_negative_clawback(leader, sku, default_plan):
    user = leader[0]
    order = paid_order(leader[1], sku)
    complete(order)
    services.settle_due()
    line = CommissionLine.objects.get(order=order)
    _emit("order.refunded", order, from_state="completed", note="after-sales refund")
    line.refresh_from_db()
    assert line.state == "settled" and line.clawed_amount == line.amount
    claw = Posting.objects.get(entry=f"refund:{line.pk}", account=Account.AVAILABLE)
    assert claw.amount == line.amount  # a debit of the leader's available balance
    assert selectors.balances(user).available == 0
    assert selectors.balance_row(user) == 0
    # A duplicate event books nothing more.
    _emit("order.refunded", order, from_state="completed", note="dup")
    assert Posting.objects.filter(commission_line=line).count() == 4  # accrual + clawback


def test_clawback_nets_against_later_earnings_and_blocks_withdrawal(leader, sku,
                                                                    default_plan):
    user = leader[0]
    first = paid_order(leader[1], sku)
    complete(first)
    services.settle_due()
    w = services.request_withdrawal(user, CommissionLine.objects.get(order=first).amount)
    assert w.state == "requested"
    _emit("order.refunded", first, from_state="completed")
    amount = CommissionLine.objects.get(order=first).amount
    assert selectors.balances(user).available == -amount  # negative: owed back
    with pytest.raises(DomainError) as exc:
        services.request_withdrawal(user, "10.00")
    assert exc.value.code == CommissionError.INSUFFICIENT_BALANCE
    second = paid_order(leader[1], sku)
    complete(second)
    services.settle_due()
    assert selectors.balances(user).available == 0  # the clawback was netted
    assert selectors.balance_row(user) == 0


def test_partial_return_before_settlement_is_pro_rata(leader, sku, default_plan):
    order = paid_order(leader[1], sku, qty=3)
    line = CommissionLine.objects.get(order=order)
    ol = OrderLine.objects.get(order=order)
    refund = (ol.goods_value / 3).quantize(Decimal("0.01"))
    payload = {"return_id": "R1", "lines": [{"line_id": str(ol.pk), "qty": 1,
                                              "goods_refund": str(refund)}]}
    _emit("order.returned", order, **payload)
    line.refresh_from_db()
    # By units: one of three units returned takes back a third of the commission.
    expected = (line.amount / 3).quantize(Decimal("0.01"))
    assert line.reversed_amount == expected and line.state == "pending"
    _emit("order.returned", order, **payload)  # duplicate: nothing more
    line.refresh_from_db()
    assert line.reversed_amount == expected
    complete(order)
    run = services.settle_due()
    assert run is not None and run.total == line.amount - expected
    assert selectors.balances(leader[0]).available == line.amount - expected


def test_partial_return_after_settlement_claws_back(leader, sku, default_plan):
    order = paid_order(leader[1], sku, qty=2)
    complete(order)
    services.settle_due()
    line = CommissionLine.objects.get(order=order)
    ol = OrderLine.objects.get(order=order)
    half = (ol.goods_value / 2).quantize(Decimal("0.01"))
    _emit("order.returned", order, return_id="R9",
          lines=[{"line_id": ol.pk, "qty": 1, "goods_refund": str(half)}])
    line.refresh_from_db()
    claw = (line.amount / 2).quantize(Decimal("0.01"))
    assert line.clawed_amount == claw
    assert selectors.balances(leader[0]).available == line.amount - claw
    # Then the rest is refunded in full: only what is left is clawed back.
    _emit("order.refunded", order, from_state="completed")
    line.refresh_from_db()
    assert line.clawed_amount == line.amount
    assert selectors.balances(leader[0]).available == 0
    assert selectors.unbalanced_entries() == []


def test_full_refund_then_late_return_takes_nothing_more(leader, sku, default_plan):
    order = paid_order(leader[1], sku, qty=2)
    line = CommissionLine.objects.get(order=order)
    ol = OrderLine.objects.get(order=order)
    _emit("order.refunded", order, from_state="paid")
    _emit("order.returned", order, return_id="R2",
          lines=[{"line_id": ol.pk, "qty": 1, "goods_refund": "10.00"}])
    line.refresh_from_db()
    assert line.reversed_amount == line.amount and line.state == "reversed"
    assert selectors.balances(leader[0]).pending == 0


def _delivered_unaccrued(shop, sku, qty, operator):
    """A paid, released, delivered order whose order.paid event is still waiting."""
    from shequn.orders import services as order_services
    from tests.builders import make_buyer, place_paid_order

    order = place_paid_order(make_buyer(), sku, qty=qty, shop=shop)
    order_services.mark_cleared(order.pk)
    order_services.mark_shipped(order.pk, operator)
    order_services.mark_delivered(order.pk, operator)
    return order


def _refunded_return(order, line, qty, operator):
    from shequn.orders import returns

    after_sale = returns.request_return(order.user, order.pk, [(line.pk, qty)], "x")
    returns.decide_return(operator, after_sale.pk, approve=True)
    returns.record_refund(after_sale.pk, refund_no=f"R-{after_sale.pk}")
    return after_sale


def _process(topic, order):
    from shequn.core.models import OutboxEvent

    for event in OutboxEvent.objects.filter(topic=topic, aggregate_id=str(order.pk),
                                            processed_at__isnull=True).order_by("pk"):
        outbox.process(event.pk)


def test_three_single_unit_returns_take_back_the_whole_commission(
        leader, sku, default_plan, operator):
    """Running total by units: no cent is left to settle on goods that all came back."""
    order = _delivered_unaccrued(leader[1], sku, 3, operator)
    _process("order.paid", order)
    line = CommissionLine.objects.get(order=order)
    ol = OrderLine.objects.get(order=order)
    for _ in range(3):
        _refunded_return(order, ol, 1, operator)
        _process("order.returned", order)
    line.refresh_from_db()
    assert line.reversed_amount == line.amount and line.state == "reversed"


def test_return_refunded_before_the_accrual_is_applied_when_commission_is_computed(
        leader, sku, default_plan, operator):
    """Events out of order: the return was refunded and its event handled before
    order.paid was (say its handler had failed); the late accrual applies it."""
    order = _delivered_unaccrued(leader[1], sku, 2, operator)
    ol = OrderLine.objects.get(order=order)
    _refunded_return(order, ol, 1, operator)
    _process("order.returned", order)  # no commission yet: nothing to take back
    assert not CommissionLine.objects.filter(order=order).exists()
    _process("order.paid", order)
    line = CommissionLine.objects.get(order=order)
    assert line.reversed_amount == (line.amount / 2).quantize(Decimal("0.01"))
    _process("order.returned", order)  # nothing left to do
    line.refresh_from_db()
    assert line.reversed_amount == (line.amount / 2).quantize(Decimal("0.01"))
