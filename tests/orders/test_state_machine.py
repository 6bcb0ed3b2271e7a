"""The order state machine moves only forward, only through services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.checkout.services import place_order
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from shequn.orders import services
from shequn.orders.models import Order
from shequn.orders.selectors import timeline
from shequn.payments import services as payments
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = pytest.mark.django_db
S = Order.State


def _paid_order():
    buyer = make_buyer_with_identity()
    sku = make_buyable("120.00", 5)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    payments.start_payment(buyer.user, order.checkout_id)
    payments.simulate_payment(buyer.user, order.checkout_id)
    services.mark_cleared(order.pk)  # customs released it (the customs tests do it for real)
    order.refresh_from_db()
    return buyer, order


def test_warehouse_cannot_ship_before_customs_release(django_user_model):
    buyer = make_buyer_with_identity()
    sku = make_buyable("80.00", 5)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    payments.start_payment(buyer.user, order.checkout_id)
    payments.simulate_payment(buyer.user, order.checkout_id)
    ops = _operator(django_user_model)
    with pytest.raises(DomainError) as exc:
        services.mark_shipped(order.pk, ops)
    assert exc.value.code == "not_cleared"
    assert services.mark_cleared(order.pk) is True
    assert services.mark_cleared(order.pk) is False  # idempotent
    services.mark_shipped(order.pk, ops)
    assert Order.objects.get(pk=order.pk).state == S.SHIPPED


def _operator(django_user_model):
    user = django_user_model.objects.create(username="op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def test_operator_ships_and_delivers_with_audit(django_user_model):
    buyer, order = _paid_order()
    ops = _operator(django_user_model)
    services.mark_shipped(order.pk, ops)
    services.mark_delivered(order.pk, ops)
    order.refresh_from_db()
    assert order.state == S.DELIVERED
    assert AuditLog.objects.filter(action__in=["order.ship", "order.deliver"]).count() == 2
    labels = [s.label for s in timeline(order) if s.done]
    assert labels[-1] == "已签收"


def test_buyer_cannot_ship(django_user_model):
    buyer, order = _paid_order()
    with pytest.raises(DomainError) as exc:
        services.mark_shipped(order.pk, buyer.user)
    assert exc.value.code == "not_operator"
    order.refresh_from_db()
    assert order.state == S.PAID


def test_cannot_move_backwards(django_user_model):
    buyer, order = _paid_order()
    ops = _operator(django_user_model)
    services.mark_shipped(order.pk, ops)
    with pytest.raises(DomainError) as exc:
        services.mark_shipped(order.pk, ops)
    assert exc.value.code == "invalid_transition"
    assert services.cancel_unpaid(order.pk, reason="x") is False
    assert services.mark_paid(order.pk) == "duplicate"
    order.refresh_from_db()
    assert order.state == S.SHIPPED


ACTIONS = ["pay", "cancel", "ship", "deliver", "refund", "expire"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=8))
def test_random_action_sequences_only_move_forward(django_user_model, actions):
    buyer = make_buyer_with_identity()
    sku = make_buyable("50.00", 3)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    payments.start_payment(buyer.user, order.checkout_id)
    ops, _ = django_user_model.objects.get_or_create(username="op-h")
    ops.groups.add(Group.objects.get_or_create(name="operator")[0])
    rank = {S.PENDING_PAYMENT: 0, S.PAID: 1, S.ON_HOLD: 1, S.SHIPPED: 2, S.DELIVERED: 3,
            S.COMPLETED: 4, S.CANCELLED: 9, S.REFUNDED: 9}
    last = 0
    for action in actions:
        try:
            if action == "pay":
                payments.simulate_payment(buyer.user, order.checkout_id)
            elif action == "cancel":
                services.cancel_unpaid(order.pk, reason="test")
            elif action == "ship":
                services.mark_cleared(order.pk)
                services.mark_shipped(order.pk, ops)
            elif action == "deliver":
                services.mark_delivered(order.pk, ops)
            elif action == "refund":
                payments.refund_order(order.pk, actor=ops, reason="test")
            elif action == "expire":
                services.expire_unpaid()
        except DomainError:
            pass
        order.refresh_from_db()
        assert rank[order.state] >= last
        last = rank[order.state]
    stock = sku.stocks.get()
    assert stock.reserved >= 0 and stock.on_hand >= 0
    assert stock.on_hand + stock.reserved <= 3 + 1
