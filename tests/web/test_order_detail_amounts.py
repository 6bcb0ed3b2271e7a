"""The buyer's order page states the goods as the checkout did: in 包税 mode
(prices include the tax) the goods are the prices paid and the tax they contain
is shown apart; before, "Goods" was the net value, a figure the buyer never saw."""

from __future__ import annotations

import re

import pytest

from shequn.checkout.services import place_order
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = pytest.mark.django_db


def _rows(html: str) -> dict[str, str]:
    rows = re.findall(r'<div class="row"><span>([^<]+)</span><span>([^<]+)</span></div>', html)
    return {label: value.strip() for label, value in rows}


@pytest.mark.parametrize(("inclusive", "price"), [(True, "199.00"), (False, "120.00")])
def test_order_page_goods_are_the_prices_paid(client, inclusive, price):
    buyer = make_buyer_with_identity()
    sku = make_buyable(price, 10, price_includes_tax=inclusive)
    cart = cart_with(buyer.user, (sku, 2))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    client.force_login(buyer.user)
    html = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = _rows(html)
    goods = 2 * float(price)
    assert rows["Goods"] == f"¥{goods:,.2f}"
    if inclusive:
        assert order.goods_value < goods and order.freight == 0
        assert rows["Tax (included in the price)"] == f"¥{order.tax_total:,.2f}"
        assert "Tax" not in rows  # nothing charged on top of the prices
        assert order.actual_paid == goods
    else:
        assert rows["Tax"] == f"¥{order.tax_total:,.2f}"
        assert "Tax (included in the price)" not in rows
