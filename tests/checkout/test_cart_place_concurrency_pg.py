"""A cart change racing its placement (PostgreSQL, one connection each): both
bump the cart version first, so they take the cart row before its lines and
never deadlock; placement either sees the change (stale_cart) or happens
before it (the change lands in the emptied cart)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shequn.checkout import cart as carts
from shequn.checkout.models import Cart, CartLine
from shequn.checkout.services import place_order
from shequn.core.errors import DomainError
from shequn.orders.models import OrderLine
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(4))
def test_adding_to_a_line_while_placing_never_deadlocks(round_):
    buyer = make_buyer_with_identity()
    sku = make_buyable("10.00", 50)
    cart = cart_with(buyer.user, (sku, 1))
    version = Cart.objects.get(pk=cart.pk).version
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def place() -> None:
        try:
            barrier.wait(timeout=30)
            place_order(user=buyer.user, cart=Cart.objects.get(pk=cart.pk),
                        identity_id=buyer.identity_id, address_id=buyer.address_id,
                        expected_version=version)
            results["place"] = "ok"
        except DomainError as exc:
            results["place"] = exc.code
        except Exception as exc:
            results["place"] = f"error: {exc!r}"
        finally:
            connection.close()

    def add() -> None:
        try:
            barrier.wait(timeout=30)
            carts.add_item(Cart.objects.get(pk=cart.pk), sku.pk, 2)
            results["add"] = "ok"
        except Exception as exc:
            results["add"] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=place), threading.Thread(target=add)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert results["add"] == "ok", results
    line = CartLine.objects.get(cart=cart)
    assert Cart.objects.get(pk=cart.pk).version == version + (2 if results["place"] == "ok"
                                                             else 1)
    if results["place"] == "ok":
        assert OrderLine.objects.get(sku=sku).qty == 1  # placed what the buyer saw
        assert line.qty == 2  # the change landed in the emptied cart
    else:
        assert results["place"] == "stale_cart", results
        assert not OrderLine.objects.exists()
        assert line.qty == 3
