"""A buyer cancels an unpaid order from its page (only the API could)."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.orders.models import Order
from tests.builders.buying import make_buyer_with_identity, place_order_for, place_paid_order
from tests.builders.catalog import make_buyable

pytestmark = pytest.mark.django_db


def test_the_buyer_cancels_an_unpaid_order_from_its_page():
    buyer = make_buyer_with_identity()
    order = place_order_for(buyer.user, make_buyable())
    client = Client()
    client.force_login(buyer.user)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="cancel-order"' in page
    done = client.post(f"/orders/{order.number}/cancel/")
    assert done.status_code == 302 and done["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    assert 'id="cancel-order"' not in client.get(done["Location"]).content.decode()
    # Again: refused with the domain's error, nothing changes.
    again = client.post(f"/orders/{order.number}/cancel/")
    assert again.status_code == 409


def test_a_paid_order_or_someone_elses_is_not_cancelled_here():
    buyer, other = make_buyer_with_identity(), make_buyer_with_identity()
    paid = place_paid_order(buyer.user, make_buyable())
    theirs = place_order_for(other.user, make_buyable())
    client = Client()
    client.force_login(buyer.user)
    assert 'id="cancel-order"' not in client.get(f"/orders/{paid.number}/").content.decode()
    assert client.post(f"/orders/{paid.number}/cancel/").status_code == 409
    assert client.post(f"/orders/{theirs.number}/cancel/").status_code == 404
    assert client.get(f"/orders/{paid.number}/cancel/").status_code == 405
    paid.refresh_from_db(), theirs.refresh_from_db()
    assert paid.state == Order.State.PAID and theirs.state == Order.State.PENDING_PAYMENT
