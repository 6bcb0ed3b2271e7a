"""Buying through the real services: a buyer with a real-name identity and an
address, carts, placed and paid orders (cart → identity → address → place → pay),
draining the outbox, and the completion the orders job does after the window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shequn.accounts.models import User
from shequn.checkout import cart as carts
from shequn.checkout import identities
from shequn.checkout.models import Cart
from shequn.checkout.services import place_order
from shequn.core import clock, outbox
from shequn.orders import returns
from shequn.orders import services as order_services
from shequn.orders.models import AfterSale, Order, OrderLine
from shequn.payments import services as payment_services
from shequn.shops.models import Listing, Shop
from tests.builders.ids import resident_id
from tests.builders.people import make_buyer

ADDRESS = ("浙江省", "杭州市", "西湖区", "330106", "文三路 100 号 1 单元 101")


@dataclass
class Buyer:
    user: User
    identity_id: int
    address_id: int
    id_number: str
    name: str


def make_buyer_with_identity(id_number: str | None = None, name: str = "张三") -> Buyer:
    """A buyer with a real-name identity (a resident ID of its own unless given) and
    an address, ready to check out."""
    user = make_buyer()
    id_number = id_number or resident_id(seq=user.pk % 1000)
    ident = identities.add_identity(user, name, id_number, "13800138000")
    addr = identities.add_address(user, name, "13800138000", *ADDRESS)
    return Buyer(user=user, identity_id=ident.pk, address_id=addr.pk, id_number=id_number,
                 name=name)


def cart_with(user: User, *items: tuple[Any, int]) -> Cart:
    session: dict[str, Any] = {}
    cart = carts.cart_for_session(session, user)
    for sku, qty in items:
        carts.add_item(cart, sku.pk, qty)
    cart.refresh_from_db()
    return cart


def place_checkout(buyer: User, *items: tuple[Any, int], shop: Shop | None = None,
                   listing: Listing | None = None, name: str = "张三",
                   id_number: str | None = None, phone: str = "13912345678") -> list[Order]:
    """One checkout of ``items`` ((sku, qty), …), unpaid: one customs order per
    warehouse and seller. Attributed to ``shop``'s owner when a shop is given (as if
    the buyer had opened its share link). The identity is the default
    :func:`resident_id` unless ``id_number`` is given."""
    ident = identities.add_identity(buyer, name, id_number or resident_id(), phone)
    addr = identities.add_address(buyer, name, phone, *ADDRESS)
    cart = Cart.objects.create(user=buyer, shop=shop,
                               leader=shop.owner if shop is not None else None,
                               attribution_channel="link" if shop is not None else "")
    for sku, qty in items:
        carts.add_item(cart, sku.pk, qty, listing.pk if listing is not None else None)
    return place_order(user=buyer, cart=cart, identity_id=ident.pk, address_id=addr.pk,
                       expected_version=None)


def place_order_for(buyer: User, sku: Any, *, qty: int = 1, **kw: Any) -> Order:
    """Place one unpaid order of ``qty`` × ``sku`` (see :func:`place_checkout`)."""
    orders = place_checkout(buyer, (sku, qty), **kw)
    assert len(orders) == 1, "one SKU from one warehouse makes one order"
    return orders[0]


def pay(order: Order, *, as_other_person: bool = False) -> Order:
    """Pay through the provider simulator (signed notification); returns the order
    reloaded: ``paid``, or ``on_hold`` when the payer is someone else."""
    payment_services.start_payment(order.user, order.checkout_id)
    payment_services.simulate_payment(order.user, order.checkout_id,
                                      as_other_person=as_other_person)
    order.refresh_from_db()
    return order


def place_paid_order(buyer: User, sku: Any, *, as_other_person: bool = False,
                     **kw: Any) -> Order:
    return pay(place_order_for(buyer, sku, **kw), as_other_person=as_other_person)


def paid_order(shop: Shop | None, sku: Any, qty: int = 1, buyer: User | None = None) -> Order:
    """A paid order attributed to ``shop``'s owner, with its events drained."""
    order = place_paid_order(buyer or make_buyer(), sku, qty=qty, shop=shop)
    assert order.state == Order.State.PAID
    outbox.drain()
    return order


def complete(order: Order, days_ago: int = 8) -> None:
    """What the orders completion job does once the after-sales window has passed."""
    Order.objects.filter(pk=order.pk).update(
        state=Order.State.COMPLETED, delivered_at=clock.now() - dt.timedelta(days=days_ago),
        completed_at=clock.now())


def deliver(order: Order, operator: User) -> Order:
    """Customs release, shipping and delivery of a paid order (the operator's steps)."""
    order_services.mark_cleared(order.pk)
    order_services.mark_shipped(order.pk, operator)
    order_services.mark_delivered(order.pk, operator)
    order.refresh_from_db()
    return order


def refunded_return(order: Order, operator: User, qty: int = 1,
                    line: OrderLine | None = None) -> AfterSale:
    """The buyer returns ``qty`` units of ``line`` (the first line unless given) of a
    delivered order, the operator approves, customs clears the return and the money
    goes back (the events run). Returns the after-sale, refunded."""
    line = line or order.lines.order_by("gnum").first()
    assert line is not None
    after_sale = returns.request_return(order.user, order.pk, [(line.pk, qty)], "不想要了")
    returns.decide_return(operator, after_sale.pk, approve=True)
    run_events()
    after_sale.refresh_from_db()
    assert after_sale.state == AfterSale.State.REFUNDED, after_sale.state
    order.refresh_from_db()
    return after_sale


def run_events(rounds: int = 10) -> None:
    """Drain the outbox until it is quiet (events cause events), and let the embedded
    customs simulator answer: what the worker does in the background."""
    from shequn.customs import services as customs

    for _ in range(rounds):
        if not (outbox.drain() + customs.pump_embedded()):
            return
