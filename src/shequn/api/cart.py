"""Cart API: the session's cart (anonymous or signed in). The cart lives in the
session cookie, so every change is checked for CSRF like the other session
endpoints (a cross-site page must not fill a visitor's cart)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.utils import check_csrf

from shequn.api.schemas import Error, Id, SmallInt
from shequn.checkout import cart as carts
from shequn.checkout.models import Cart
from shequn.core.errors import CommonError

router = Router(tags=["cart"])


class CartLineOut(Schema):
    sku_id: int
    sku_code: str
    name: str
    gmodel: str
    qty: int
    unit_price: str
    current_price: str
    subtotal: str
    stale: bool


class CartOut(Schema):
    id: str
    version: int
    count: int
    goods_total: str
    has_stale: bool
    lines: list[CartLineOut]
    attributed_shop: str | None


class AddIn(Schema):
    sku_id: Id
    qty: SmallInt = 1
    listing_id: Id | None = None


class QtyIn(Schema):
    qty: SmallInt


def _csrf(request: HttpRequest) -> None:
    if check_csrf(request) is not None:
        raise CommonError.FORBIDDEN.error(reason="csrf")


def _out(request: HttpRequest, cart: Cart | None = None) -> CartOut:
    """The cart as the response shows it; ``cart`` is the one this request
    already looked up and changed (its version is the bumped one)."""
    if cart is None:
        cart = carts.cart_for_session(request.session, request.user)
    s = carts.summary(cart)
    return CartOut(
        id=str(cart.pk), version=cart.version, count=s.count, goods_total=f"{s.goods_total:.2f}",
        has_stale=s.has_stale, attributed_shop=cart.shop.slug if cart.shop is not None else None,
        lines=[CartLineOut(sku_id=ln.sku.pk, sku_code=ln.sku.code, name=ln.product.name,
                           gmodel=ln.sku.gmodel, qty=ln.qty, unit_price=f"{ln.unit_price:.2f}",
                           current_price=f"{ln.current_price:.2f}",
                           subtotal=f"{ln.subtotal:.2f}", stale=ln.stale)
               for ln in s.lines])


@router.get("", response=CartOut)
def get_cart(request: HttpRequest) -> CartOut:
    return _out(request)


@router.post("/items", response={200: CartOut, 403: Error, 404: Error, 422: Error})
def add_item(request: HttpRequest, payload: AddIn) -> CartOut:
    """``listing_id`` (optional) must be an active listing of this product in an
    active shop, and of the shop the cart is attributed to, if it is: attribution
    itself comes only from a verified share link or binding, never from here."""
    _csrf(request)
    cart = carts.cart_for_session(request.session, request.user)
    carts.add_item(cart, payload.sku_id, payload.qty, payload.listing_id,
                   refuse_other_shop=True)
    return _out(request, cart)


@router.put("/items/{sku_id}", response={200: CartOut, 403: Error, 404: Error, 422: Error})
def set_qty(request: HttpRequest, sku_id: Id, payload: QtyIn) -> CartOut:
    _csrf(request)
    cart = carts.cart_for_session(request.session, request.user)
    carts.set_qty(cart, sku_id, payload.qty)
    return _out(request, cart)


@router.delete("/items/{sku_id}", response={200: CartOut, 403: Error, 404: Error,
                                           422: Error})
def remove_item(request: HttpRequest, sku_id: Id) -> CartOut:
    _csrf(request)
    cart = carts.cart_for_session(request.session, request.user)
    carts.remove_item(cart, sku_id)
    return _out(request, cart)
