"""A binding that lapsed ("days" policy) stops attributing at checkout too: the
cart keeps the leader it was given when the binding was made, so placement
(which snapshots the cart) credited the lapsed leader with the sale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shequn.checkout.models import Cart
from shequn.core import clock
from shequn.distribution import binding
from shequn.orders.models import Order
from tests.builders import make_buyable, make_buyer_with_identity, make_leader, make_operator

pytestmark = pytest.mark.django_db


def _policy(settings, mode: str, **extra) -> None:
    settings.SHEQUN = {**settings.SHEQUN, "BINDING_POLICY": mode, **extra}


def _bound_buyer_with_cart(leader, sku):
    buyer = make_buyer_with_identity()
    client = Client()
    client.force_login(buyer.user)
    assert client.post("/api/v1/cart/items", data={"sku_id": sku.pk, "qty": 1},
                       content_type="application/json").status_code in (200, 201)
    cart = Cart.objects.get(user=buyer.user)
    binding.touch(buyer=buyer.user, leader=leader.user, shop=leader.shop, channel="link",
                  cart=cart)
    cart.refresh_from_db()
    assert cart.leader_id == leader.user_id
    return buyer, client, cart


def _place(client, buyer, cart) -> Order:
    cart.refresh_from_db()
    placed = client.post("/api/v1/checkout/place", data={
        "identity_id": buyer.identity_id, "address_id": buyer.address_id,
        "cart_version": cart.version}, content_type="application/json")
    assert placed.status_code == 201, placed.content
    return Order.objects.get(number=placed.json()["orders"][0]["number"])


def test_a_binding_that_lapsed_does_not_attribute_the_order(settings):
    _policy(settings, "days", BINDING_DAYS=10)
    leader = make_leader(operator=make_operator())
    sku = make_buyable(price="100.00", stock=10)
    buyer, client, cart = _bound_buyer_with_cart(leader, sku)
    clock.advance(dt.timedelta(days=11))
    order = _place(client, buyer, cart)
    assert order.leader_id is None and order.shop_id is None


def test_a_live_binding_still_attributes_the_order(settings):
    _policy(settings, "days", BINDING_DAYS=10)
    leader = make_leader(operator=make_operator())
    sku = make_buyable(price="100.00", stock=10)
    buyer, client, cart = _bound_buyer_with_cart(leader, sku)
    clock.advance(dt.timedelta(days=9))
    order = _place(client, buyer, cart)
    assert order.leader_id == leader.user_id and order.shop_id == leader.shop_id


def test_the_store_checkout_form_drops_a_lapsed_attribution_too(settings):
    _policy(settings, "days", BINDING_DAYS=10)
    leader = make_leader(operator=make_operator())
    sku = make_buyable(price="100.00", stock=10)
    buyer, client, cart = _bound_buyer_with_cart(leader, sku)
    clock.advance(dt.timedelta(days=11))
    cart.refresh_from_db()
    resp = client.post("/checkout/place/", {"identity_id": buyer.identity_id,
                                            "address_id": buyer.address_id,
                                            "expected_version": cart.version})
    assert resp.status_code == 302, resp.content.decode()[:500]
    order = Order.objects.get(user=buyer.user)
    assert order.leader_id is None
    # The binding itself was not renewed by looking at it.
    assert binding.CustomerBinding.objects.get(buyer=buyer.user).leader_id == leader.pk
