"""An operator's (re)binding moves the buyer's carts to the new leader."""

from __future__ import annotations

import pytest

from shequn.checkout.models import Cart
from shequn.distribution import binding as bindings
from shequn.distribution.models import CustomerBinding
from tests.builders import make_buyer, make_leader, make_operator

pytestmark = pytest.mark.django_db


def test_operator_rebind_moves_the_buyers_carts():
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    buyer = make_buyer()
    cart = Cart.objects.create(user=buyer)
    other_cart = Cart.objects.create(user=make_buyer())
    bindings.touch(buyer=buyer, leader=a.user, channel="poster", cart=cart)
    cart.refresh_from_db()
    assert (cart.leader_id, cart.shop_id) == (a.user_id, a.shop_id)
    bindings.rebind_by_operator(buyer, b.pk, op, "客户申诉")
    cart.refresh_from_db()
    binding = CustomerBinding.objects.get(buyer=buyer)
    assert (cart.leader_id, cart.shop_id) == (b.user_id, b.shop_id)
    assert cart.attribution_channel == binding.channel and cart.attributed_at is not None
    other_cart.refresh_from_db()
    assert other_cart.leader_id is None


def test_operator_first_binding_writes_the_cart():
    op = make_operator()
    b = make_leader(operator=op)
    buyer = make_buyer()
    cart = Cart.objects.create(user=buyer)
    bindings.rebind_by_operator(buyer, b.pk, op, "客户申诉")
    cart.refresh_from_db()
    assert (cart.leader_id, cart.shop_id, cart.attribution_channel) == (
        b.user_id, b.shop_id, "code")
