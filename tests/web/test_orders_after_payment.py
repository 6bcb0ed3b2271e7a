"""The order list the payment page returns to (/orders/?checkout=…): its banner says
what happened to the payment, and never "paid" above an order that waits for
verification because the payer is not the buyer (issue 9)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.builders import (
    make_buyer,
    make_sku,
    make_stock,
    make_warehouse,
    place_order_for,
    place_paid_order,
)

pytestmark = pytest.mark.django_db


def _returned_to(order) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(order.user)
    return client.get(reverse("store:orders") + f"?checkout={order.checkout_id}").content.decode()


@pytest.fixture
def sku():  # type: ignore[no-untyped-def]
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 10)
    return sku


def test_a_paid_checkout_shows_the_paid_banner(sku) -> None:  # type: ignore[no-untyped-def]
    html = _returned_to(place_paid_order(make_buyer(), sku))
    assert 'data-testid="paid-banner"' in html and "支付成功" in html
    assert 'data-testid="held-banner"' not in html


def test_a_payment_by_someone_else_is_not_called_a_success(sku) -> None:  # type: ignore[no-untyped-def]
    order = place_paid_order(make_buyer(), sku, as_other_person=True)
    assert order.state == "on_hold"
    html = _returned_to(order)
    assert 'data-testid="paid-banner"' not in html and "支付成功" not in html
    assert 'data-testid="held-banner"' in html and "待核实" in html
    assert "notice-success" not in html


def test_an_unconfirmed_payment_asks_to_wait(sku) -> None:  # type: ignore[no-untyped-def]
    html = _returned_to(place_order_for(make_buyer(), sku))
    assert "正在确认支付结果" in html
    assert 'data-testid="paid-banner"' not in html and 'data-testid="held-banner"' not in html
