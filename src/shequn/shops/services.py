"""Micro-shops (盟店), listings and share links.

A leader promotes goods; the seller sets prices. Listings therefore have no
price and these services accept none (ARCHITECTURE §1)."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from shequn.accounts.roles import LEADER, OPERATOR, has_role
from shequn.brands import chain
from shequn.brands.errors import BrandError
from shequn.catalog.models import Product
from shequn.catalog.services import check_sellable
from shequn.core import audit, clock
from shequn.core.errors import DomainError
from shequn.shops.errors import ShopError
from shequn.shops.models import Listing, ShareVisit, Shop
from shequn.shops.tokens import make_share_token, read_share_token

log = logging.getLogger(__name__)

_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
# Slugs that would read like system pages in a shop URL.
_RESERVED = frozenset({"admin", "api", "login", "logout", "static", "ops", "leader", "cart",
                       "orders", "me", "checkout", "shop", "shops", "t", "pay", "verify"})
_TRADE_MODES = ("1210", "9610")


def _has_control(s: str) -> bool:
    """Control characters other than line breaks and tabs (a NUL byte cannot be
    stored in PostgreSQL text: it was a 500 on the shop form). Format characters
    such as the emoji joiner stay allowed."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in s)


def _clean_name(name: str) -> str:
    s = " ".join((name or "").split())
    if not s or len(s) > 60 or "<" in s or ">" in s or _has_control(s):
        raise ShopError.INVALID_SHOP_NAME.error()
    return s


def _clean_intro(intro: str) -> str:
    s = (intro or "").strip()
    if len(s) > 500 or "<" in s or ">" in s or _has_control(s):
        raise ShopError.INVALID_INTRO.error()
    return s


def _clean_slug(slug: str) -> str:
    s = (slug or "").strip().lower()
    if not _SLUG_RE.match(s) or "--" in s or s in _RESERVED:
        raise ShopError.INVALID_SLUG.error()
    return s


def _require_manager(shop: Shop, actor: Any) -> None:
    """Only the owning leader or an operator changes a shop."""
    if has_role(actor, OPERATOR):
        return
    if actor is not None and actor.pk == shop.owner_id and has_role(actor, LEADER):
        return
    raise ShopError.NOT_SHOP_OWNER.error()


@transaction.atomic
def create_shop(owner: Any, slug: str, name: str, intro: str = "") -> Shop:
    if not has_role(owner, LEADER):
        raise ShopError.NOT_LEADER.error()
    slug, name, intro = _clean_slug(slug), _clean_name(name), _clean_intro(intro)
    if Shop.objects.filter(slug=slug).exists():
        raise ShopError.SLUG_TAKEN.error()
    try:
        with transaction.atomic():
            shop = Shop.objects.create(owner=owner, slug=slug, name=name, intro=intro)
    except IntegrityError:  # taken by a parallel request
        raise ShopError.SLUG_TAKEN.error() from None
    audit.record(owner, "shop.create", shop, slug=slug)
    return shop


@transaction.atomic
def update_shop(shop: Shop, actor: Any, name: str, intro: str) -> Shop:
    _require_manager(shop, actor)
    shop.name, shop.intro = _clean_name(name), _clean_intro(intro)
    shop.save(update_fields=["name", "intro"])
    audit.record(actor, "shop.update", shop)
    return shop


@transaction.atomic
def set_shop_active(shop: Shop, actor: Any, active: bool) -> Shop:
    """Close or reopen a shop; links to a closed shop stop attributing."""
    _require_manager(shop, actor)
    shop.active = active
    shop.save(update_fields=["active"])
    audit.record(actor, "shop.activate" if active else "shop.deactivate", shop)
    return shop


def _check_sellable(product: Product) -> None:
    if not product.active:
        raise ShopError.PRODUCT_INACTIVE.error()
    # Listable when at least one SKU with an authorization chain to its seller
    # (brands.chain) can be sold under at least one trade mode.
    skus = list(product.skus.filter(active=True).select_related("product"))
    covered = chain.covered_sku_ids([s.pk for s in skus])
    if skus and not covered:
        raise BrandError.NO_AUTHORIZATION.error(product=product.pk)
    for sku in skus:
        if sku.pk not in covered:
            continue
        for mode in _TRADE_MODES:
            try:
                check_sellable(sku, 1, mode)
            except DomainError:
                continue
            return
    raise ShopError.PRODUCT_NOT_SELLABLE.error()


@transaction.atomic
def add_listing(shop: Shop, actor: Any, product: Product) -> Listing:
    """Put ``product`` in the shop (no price: the seller's price applies)."""
    _require_manager(shop, actor)
    _check_sellable(product)
    listing = Listing.objects.select_for_update().filter(shop=shop, product=product).first()
    if listing is not None:
        if not listing.active:
            listing.active = True
            listing.save(update_fields=["active"])
    else:
        top = Listing.objects.filter(shop=shop).aggregate(m=Max("position"))["m"]
        listing = Listing.objects.create(shop=shop, product=product,
                                         position=(top or 0) + 1)
    audit.record(actor, "shop.listing_add", listing, product=product.pk)
    return listing


@transaction.atomic
def remove_listing(shop: Shop, actor: Any, listing: Listing) -> Listing:
    _require_manager(shop, actor)
    if listing.shop_id != shop.pk:
        raise ShopError.LISTING_NOT_FOUND.error()
    Listing.objects.filter(pk=listing.pk).update(active=False)
    listing.active = False
    audit.record(actor, "shop.listing_remove", listing, product=listing.product_id)
    return listing


def share_url(shop: Shop, listing: Listing | None = None, channel: str = "link") -> str:
    return f"/t/{make_share_token(shop, listing, channel)}/"


@transaction.atomic
def open_share_link(token: str, *, session_key: str | None, cart: Any | None) -> ShareVisit:
    """Record a visit from a share link and attribute ``cart`` to its leader.

    Last valid link wins. A leader opening their own link is recorded but does
    not attribute their own cart (no commission on one's own purchases). An
    invalid token is recorded with its reason and attributes nothing."""
    skey = (session_key or "")[:64]
    try:
        payload = read_share_token(token)
    except DomainError as err:
        reason = str(err.detail.get("reason", err.code))[:40]
        log.warning("invalid share token (%s)", reason)
        return ShareVisit.objects.create(valid=False, reason=reason, session_key=skey)
    visit = ShareVisit.objects.create(
        shop_id=payload.shop_id, listing_id=payload.listing_id, leader_id=payload.leader_id,
        valid=True, channel=payload.channel, session_key=skey,
        token_issued_at=payload.issued_at)
    if cart is not None and cart.user_id != payload.leader_id:
        now = clock.now()
        type(cart).objects.filter(pk=cart.pk).update(
            shop_id=payload.shop_id, leader_id=payload.leader_id, attributed_at=now,
            attribution_channel=payload.channel)
        cart.shop_id, cart.leader_id = payload.shop_id, payload.leader_id
        cart.attributed_at, cart.attribution_channel = now, payload.channel
    return visit
