"""The buyer's cart. Kept in the session (``cart_id``) before sign-in and adopted
by the user after. Every change bumps ``version`` so placement can refuse a
stale cart (the buyer saw other contents or prices than are now true)."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, overload

from django.conf import settings
from django.db import transaction

from shequn.brands import chain
from shequn.catalog.models import SKU, Product
from shequn.checkout import reads
from shequn.checkout.errors import CheckoutError, ListingError
from shequn.checkout.models import Cart, CartLine
from shequn.core.money import ZERO, q2
from shequn.shops.models import Listing

SESSION_KEY = "cart_id"


@dataclass
class CartLineView:
    sku: SKU
    product: Product
    qty: int
    unit_price: Decimal
    current_price: Decimal
    subtotal: Decimal
    stale: bool
    listing_id: int | None = None
    # No authorization chain to its seller today: sales paused (brands.chain).
    paused: bool = False


@dataclass
class CartSummary:
    cart: Cart
    lines: list[CartLineView] = field(default_factory=list)
    goods_total: Decimal = ZERO
    count: int = 0

    @property
    def has_stale(self) -> bool:
        return any(line.stale for line in self.lines)

    @property
    def paused_lines(self) -> list[CartLineView]:
        return [line for line in self.lines if line.paused]


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


@overload
def cart_for_session(session: MutableMapping[str, Any], user: Any,
                     create: Literal[True] = ...) -> Cart: ...
@overload
def cart_for_session(session: MutableMapping[str, Any], user: Any, create: bool) -> Cart | None: ...
def cart_for_session(session: MutableMapping[str, Any], user: Any, create: bool = True
                     ) -> Cart | None:
    """The session's cart; after sign-in the session cart becomes the user's."""
    user = _user(user)
    cart = None
    cart_id = session.get(SESSION_KEY)
    if cart_id:
        cart = Cart.objects.filter(pk=cart_id).first()
        if cart is not None and cart.user_id and (user is None or cart.user_id != user.pk):
            cart = None  # someone else's cart: never adopt it
    if cart is None and user is not None:
        cart = Cart.objects.filter(user=user).order_by("-updated_at").first()
    if cart is None:
        if not create:
            return None
        cart = Cart.objects.create(user=user)
    if user is not None and cart.user_id is None:
        Cart.objects.filter(pk=cart.pk, user__isnull=True).update(user=user)
        cart.user = user
    if cart_id != str(cart.pk):
        # Only when it changes: assigning marks the session modified, and a
        # modified session is written back (one UPDATE) on every request.
        session[SESSION_KEY] = str(cart.pk)
    return cart


def _check_qty(qty: int) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
        raise CheckoutError.INVALID_QTY.error(qty=qty)
    if qty > settings.SHEQUN["MAX_QTY_PER_LINE"]:
        raise CheckoutError.QTY_TOO_LARGE.error(qty=qty, max=settings.SHEQUN["MAX_QTY_PER_LINE"])


def _bump(cart: Cart) -> None:
    """Bump the version first thing in a change's transaction: one UPDATE …
    RETURNING, which also locks the cart row, so changes to one cart and its
    placement (which bumps it first too) take their locks in the same order:
    cart row, then its lines. A change that is refused afterwards rolls the
    bump back with it."""
    version = reads.bump_version(cart.pk)
    if version is None:
        raise CheckoutError.STALE_CART.error(reason="cart gone")
    cart.version = version


def _checked_listing(cart: Cart, sku: SKU, listing_id: int | None,
                     refuse_other_shop: bool) -> int | None:
    """The listing kept on the line: an existing, active listing of this product
    in an active shop. The line's listing is a record of where the buyer added
    it, never attribution (that comes from a verified share link or binding
    only): a listing of another shop than the cart is attributed to is refused
    (``refuse_other_shop``, the API) or not recorded (the store pages, where
    a buyer bound to one leader may still browse another's shop)."""
    if listing_id is None:
        return None
    listing = Listing.objects.select_related("shop").filter(pk=listing_id).first()
    if listing is None:
        raise ListingError.UNKNOWN_LISTING.error(listing=listing_id)
    if not (listing.active and listing.shop.active and listing.product_id == sku.product_id):
        raise ListingError.LISTING_NOT_SELLABLE.error(listing=listing_id)
    if cart.shop_id is not None and listing.shop_id != cart.shop_id:
        if refuse_other_shop:
            raise ListingError.LISTING_OTHER_SHOP.error(listing=listing_id)
        return None
    return listing.pk


@transaction.atomic
def add_item(cart: Cart, sku_id: int, qty: int, listing_id: int | None = None, *,
             refuse_other_shop: bool = False, at_least: bool = False) -> None:
    """Put ``qty`` more of the SKU in the cart; with ``at_least`` (立即购买, "buy
    now"), make sure the cart holds ``qty`` of it: pressing it twice, or after
    adding the same quantity to the cart, does not double what is bought."""
    _check_qty(qty)
    if qty == 0:
        raise CheckoutError.INVALID_QTY.error(qty=qty)
    sku = SKU.objects.select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise CheckoutError.UNKNOWN_SKU.error(sku=sku_id)
    # A product not approved by an operator yet is not sold (catalog.check_sellable).
    if not (sku.active and sku.product.active
            and sku.product.review_state == Product.ReviewState.APPROVED):
        raise CheckoutError.NOT_SELLABLE.error(sku=sku.code)
    chain.require_covered([sku.pk])  # no_authorization: sales paused
    listing_id = _checked_listing(cart, sku, listing_id, refuse_other_shop)
    _bump(cart)
    line = CartLine.objects.select_for_update().filter(cart=cart, sku=sku).first()
    if line is None:
        if cart.lines.count() >= settings.SHEQUN["MAX_LINES_PER_ORDER"]:
            raise CheckoutError.TOO_MANY_LINES.error(max=settings.SHEQUN["MAX_LINES_PER_ORDER"])
        CartLine.objects.create(cart=cart, sku=sku, qty=qty, unit_price=sku.price,
                                listing_id=listing_id)
    else:
        new_qty = max(line.qty, qty) if at_least else line.qty + qty
        _check_qty(new_qty)
        line.qty = new_qty
        line.unit_price = sku.price  # adding again means the buyer saw today's price
        line.save(update_fields=["qty", "unit_price"])


@transaction.atomic
def set_qty(cart: Cart, sku_id: int, qty: int) -> None:
    _check_qty(qty)
    _bump(cart)
    line = CartLine.objects.select_for_update().filter(cart=cart, sku_id=sku_id).first()
    if line is None:
        raise CheckoutError.UNKNOWN_SKU.error(sku=sku_id)
    if qty == 0:
        line.delete()
    else:
        line.qty = qty
        line.unit_price = line.sku.price
        line.save(update_fields=["qty", "unit_price"])


def remove_item(cart: Cart, sku_id: int) -> None:
    set_qty(cart, sku_id, 0)


@transaction.atomic
def clear(cart: Cart) -> None:
    _bump(cart)
    cart.lines.all().delete()


def summary(cart: Cart) -> CartSummary:
    result = CartSummary(cart=cart)
    rows = list(cart.lines.select_related("sku__product").order_by("id"))
    covered = chain.covered_sku_ids([line.sku_id for line in rows])
    for line in rows:
        price = line.sku.price
        subtotal = q2(price * line.qty)
        result.lines.append(CartLineView(
            sku=line.sku, product=line.sku.product, qty=line.qty, unit_price=line.unit_price,
            current_price=price, subtotal=subtotal, stale=line.unit_price != price,
            listing_id=line.listing_id, paused=line.sku_id not in covered))
        result.goods_total += subtotal
        result.count += line.qty
    return result
