"""An order's state and refund status follow its refunds: returns refunded for some
units leave it delivered and ``partial``; returns refunded for every unit make it
``refunded`` (``full``), which no figure counts and no return button offers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.core.errors import DomainError
from shequn.orders import returns, services
from shequn.orders.models import Order
from shequn.orders.selectors import timeline
from tests.builders import (
    deliver,
    make_buyable,
    make_buyer,
    make_operator,
    place_paid_order,
    refunded_return,
)

pytestmark = pytest.mark.django_db
S = Order.State


@pytest.fixture
def operator():
    return make_operator()


@pytest.fixture
def delivered(operator) -> Order:
    sku = make_buyable(price="100.00", stock=20)
    return deliver(place_paid_order(make_buyer(), sku, qty=3), operator)


def test_an_order_without_refunds_has_no_refund_status(delivered):
    assert delivered.refund_status == ""
    assert delivered.net_paid == delivered.actual_paid
    assert returns.can_request_return(delivered)


def test_a_partial_return_keeps_the_order_delivered_and_partly_refunded(delivered, operator):
    after_sale = refunded_return(delivered, operator, qty=1)
    assert delivered.state == S.DELIVERED
    assert delivered.refund_status == "partial"
    assert delivered.refunded_total == after_sale.amount > 0
    assert delivered.net_paid == delivered.actual_paid - after_sale.amount
    assert returns.can_request_return(delivered)  # two units are still the buyer's


def test_returns_of_every_unit_make_the_order_refunded(delivered, operator):
    first = refunded_return(delivered, operator, qty=1)
    second = refunded_return(delivered, operator, qty=2)
    assert delivered.state == S.REFUNDED
    assert delivered.refund_status == "full"
    assert delivered.refunded_total == first.amount + second.amount
    assert delivered.net_paid == Decimal("0.00")
    assert not returns.can_request_return(delivered)
    assert timeline(delivered)[-1].state == S.REFUNDED
    # Completion no longer applies to it.
    assert returns.complete(delivered.pk) is False


def test_a_completed_order_returned_in_full_is_refunded(delivered, operator):
    Order.objects.filter(pk=delivered.pk).update(state=S.COMPLETED)
    delivered.refresh_from_db()
    refunded_return(delivered, operator, qty=3)
    assert delivered.state == S.REFUNDED


def test_units_in_a_pending_request_cannot_be_asked_for_again(delivered):
    line = delivered.lines.get()
    returns.request_return(delivered.user, delivered.pk, [(line.pk, 3)], "尺码不合适")
    assert not returns.can_request_return(delivered)


def test_a_full_refund_before_shipping_is_refused_after_delivery(delivered):
    with pytest.raises(DomainError) as exc:
        services.mark_refunded(delivered.pk, reason="试图整单退款")
    assert exc.value.code == "invalid_transition"
    delivered.refresh_from_db()
    assert delivered.state == S.DELIVERED
