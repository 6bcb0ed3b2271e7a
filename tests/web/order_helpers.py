"""Make real orders for page tests, through the same services a buyer's
checkout uses (cart → real-name identity → address → place → pay).

    from tests.web.order_helpers import make_buyer, place_paid_order, resident_id
"""

from __future__ import annotations

import itertools
from typing import Any

from shequn.accounts.models import User
from shequn.checkout import cart as cart_services
from shequn.checkout import identities
from shequn.checkout.models import Cart
from shequn.checkout.services import place_order
from shequn.orders.models import Order
from shequn.payments import services as payment_services
from shequn.shops.models import Listing, Shop
from tests.buying import complete_resident_id

_seq = itertools.count(1)


def resident_id(body17: str = "11010519850612003") -> str:
    """An 18-digit resident ID with a correct check digit (GB 11643-1999)."""
    return complete_resident_id(body17)


def make_buyer(username: str | None = None) -> User:
    """A signed-up buyer (no role)."""
    return User.objects.create_user(username=username or f"buyer{next(_seq)}",
                                    password="buyer-pass-2026")


def place_order_for(buyer: User, sku: Any, *, qty: int = 1, shop: Shop | None = None,
                    listing: Listing | None = None, name: str = "张三",
                    id_number: str | None = None, phone: str = "13912345678") -> Order:
    """Place one unpaid order of ``qty`` × ``sku``; attributed to ``shop``'s
    owner when a shop is given (as if the buyer had opened its share link)."""
    ident = identities.add_identity(buyer, name, id_number or resident_id(), phone)
    addr = identities.add_address(buyer, name, phone, "浙江省", "杭州市", "西湖区", "330106",
                                  "文三路 100 号 1 单元 101")
    cart = Cart.objects.create(user=buyer, shop=shop,
                               leader=shop.owner if shop is not None else None,
                               attribution_channel="link" if shop is not None else "")
    cart_services.add_item(cart, sku.pk, qty, listing.pk if listing is not None else None)
    orders = place_order(user=buyer, cart=cart, identity_id=ident.pk, address_id=addr.pk,
                         expected_version=None)
    assert len(orders) == 1, "one SKU from one warehouse makes one order"
    return orders[0]


def pay(order: Order, *, as_other_person: bool = False) -> Order:
    """Pay through the provider simulator (signed notification); returns the
    order reloaded: ``paid``, or ``on_hold`` when the payer is someone else."""
    payment_services.start_payment(order.user, order.checkout_id)
    payment_services.simulate_payment(order.user, order.checkout_id,
                                      as_other_person=as_other_person)
    order.refresh_from_db()
    return order


def place_paid_order(buyer: User, sku: Any, **kw: Any) -> Order:
    as_other = kw.pop("as_other_person", False)
    return pay(place_order_for(buyer, sku, **kw), as_other_person=as_other)
