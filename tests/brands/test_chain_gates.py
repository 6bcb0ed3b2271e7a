"""The chain check gates every act of selling: listing, cart, placement (no
extra query), declaration; revoking a grant unlists and tells everyone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequn.brands import grants
from shequn.brands.models import Grant
from shequn.checkout import cart as carts
from shequn.checkout.models import CartLine
from shequn.checkout.services import place_order, quote_checkout
from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.core.models import Notice, OutboxEvent
from shequn.customs import services as customs
from shequn.customs.models import Declaration
from shequn.orders.models import Order
from shequn.shops import services as shops
from shequn.shops.models import Listing
from tests.builders import (
    cart_with,
    leader_and_shop,
    make_buyable,
    make_buyer,
    make_buyer_with_identity,
    make_operator,
    make_product,
    make_sku,
    make_stock,
    make_warehouse,
    pay,
    place_order_for,
)
from tests.builders.chain import brand_admin

pytestmark = pytest.mark.django_db


def _grant_of(sku) -> Grant:
    p = sku.product
    return Grant.objects.get(brand=p.brand, grantor=p.brand, grantee=p.seller)


def _revoke(sku, operator=None) -> None:
    grants.revoke(_grant_of(sku).pk, operator or make_operator(), "合同终止")


def _uncovered_sku():
    sku = make_sku(product=make_product(chain=False), price="50.00", hs_code="1901101010")
    make_stock(make_warehouse(), sku, 10)
    return sku


def test_a_leader_cannot_pick_a_product_without_chain():
    leader, shop = leader_and_shop()
    sku = _uncovered_sku()
    with pytest.raises(DomainError) as err:
        shops.add_listing(shop, leader, sku.product)
    assert err.value.code == "no_authorization"
    assert not Listing.objects.filter(shop=shop).exists()
    covered = make_buyable()
    assert shops.add_listing(shop, leader, covered.product).active


def test_adding_to_the_cart_is_refused_without_chain():
    buyer = make_buyer()
    cart = carts.cart_for_session({}, buyer)
    with pytest.raises(DomainError) as err:
        carts.add_item(cart, _uncovered_sku().pk, 1)
    assert err.value.code == "no_authorization"
    assert not CartLine.objects.filter(cart=cart).exists()


def test_placement_is_refused_when_the_chain_broke_after_adding():
    buyer = make_buyer_with_identity()
    sku = make_buyable("30.00", 5)
    cart = cart_with(buyer.user, (sku, 1))
    _revoke(sku)
    summary = carts.summary(cart)
    assert [line.paused for line in summary.lines] == [True]
    with pytest.raises(DomainError) as err:
        quote_checkout(cart)
    assert err.value.code == "no_authorization"
    with pytest.raises(DomainError) as err:
        place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                    address_id=buyer.address_id, expected_version=None)
    assert err.value.code == "no_authorization"
    assert not Order.objects.exists()
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_the_chain_check_adds_no_query_to_placement():
    buyer = make_buyer_with_identity()
    sku = make_buyable("30.00", 5)
    cart = cart_with(buyer.user, (sku, 1))
    with CaptureQueriesContext(connection) as ctx:
        place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                    address_id=buyer.address_id, expected_version=None)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sql if "brands_chaincover" in s and "checkout_cartline" not in s]
    assert [s for s in sql if "brands_chaincover" in s and "checkout_cartline" in s]


def test_declaration_is_held_when_the_chain_broke_after_payment():
    buyer = make_buyer_with_identity()
    sku = make_buyable("30.00", 5)
    order = pay(place_order_for(buyer.user, sku))
    assert order.state == Order.State.PAID
    _revoke(sku)
    with pytest.raises(DomainError) as err:
        customs.declare(order.pk)
    assert err.value.code == "customs_no_authorization"
    assert not Declaration.objects.filter(order=order).exists()
    # Through the outbox the paid event ends as a dead letter naming the code.
    outbox.drain()
    paid = OutboxEvent.objects.get(topic="order.paid", aggregate_id=str(order.pk))
    assert paid.dead_at is not None and "customs_no_authorization" in paid.last_error


def test_revocation_unlists_and_tells_leaders_brand_and_operators():
    operator = make_operator()
    leader, shop = leader_and_shop()
    other_leader, other_shop = leader_and_shop()
    sku = make_buyable()
    brand_staff = brand_admin(sku.product.brand, role="brand_staff")
    listing = shops.add_listing(shop, leader, sku.product)
    other = shops.add_listing(other_shop, other_leader, sku.product)
    unrelated = shops.add_listing(shop, leader, make_buyable().product)
    _revoke(sku, operator)
    outbox.drain()
    for x in (listing, other, unrelated):
        x.refresh_from_db()
    assert not listing.active and not other.active and unrelated.active
    assert Notice.objects.filter(user=leader, kind="listing_paused").count() == 1
    assert Notice.objects.filter(user=other_leader, kind="listing_paused").count() == 1
    assert Notice.objects.filter(user=brand_staff, kind="chain_lost").exists()
    assert Notice.objects.filter(user=operator, kind="chain_lost").exists()
    # Handling it again changes nothing (idempotent).
    assert OutboxEvent.objects.filter(topic="brands.chain_lost").count() == 1
    with pytest.raises(DomainError):
        shops.add_listing(shop, leader, sku.product)


def test_suspension_triggers_the_same():
    leader, shop = leader_and_shop()
    sku = make_buyable()
    listing = shops.add_listing(shop, leader, sku.product)
    grants.suspend(_grant_of(sku).pk, brand_admin(sku.product.brand), "核查")
    outbox.drain()
    listing.refresh_from_db()
    assert not listing.active
