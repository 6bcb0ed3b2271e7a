"""A cancelled order is not offered for payment: its payment row may still be
open (the simulator provider closes nothing; a WeChat close that failed is
retried by the outbox), but the pay pages list unpaid orders only, so the
buyer is not charged for an order only to get the money back."""

from __future__ import annotations

import pytest

from shequn.checkout.services import place_order
from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import Payment, Refund
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = pytest.mark.django_db


def test_cancelled_order_is_not_on_the_pay_page(client):
    buyer = make_buyer_with_identity()
    sku = make_buyable("98.00", 10)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    assert order_services.cancel_by_buyer(buyer.user, order.pk)
    assert Payment.objects.get(order=order).state == Payment.State.CREATED

    assert services.open_payments(order.checkout_id, buyer.user) == []
    client.force_login(buyer.user)
    page = client.get(f"/paysim/{order.checkout_id}/")
    assert page.status_code == 200 and list(page.context["payments"]) == []
    client.post(f"/paysim/{order.checkout_id}/")
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    assert not Refund.objects.exists()
    assert Payment.objects.get(order=order).state == Payment.State.CREATED
