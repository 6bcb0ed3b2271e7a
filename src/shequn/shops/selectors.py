"""Reads about shops and listings."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from shequn.catalog.models import SKU, Product, ProductImage
from shequn.shops.errors import ShopError
from shequn.shops.models import Listing, Shop


def get_shop_by_slug(slug: str) -> Shop:
    shop = Shop.objects.filter(slug=(slug or "").lower(), active=True).first()
    if shop is None:
        raise ShopError.SHOP_NOT_FOUND.error()
    return shop


def shop_listings(shop: Shop) -> QuerySet[Listing]:
    """Active listings of approved active products, with product, active SKUs and
    pictures (3 queries)."""
    return (Listing.objects.filter(shop=shop, active=True, product__active=True,
                                   product__review_state=Product.ReviewState.APPROVED)
            .select_related("product")
            .prefetch_related(Prefetch("product__skus",
                                       queryset=SKU.objects.filter(active=True).order_by("id")),
                              Prefetch("product__images",
                                       queryset=ProductImage.objects.order_by("position", "id")))
            .order_by("position", "id"))


def get_listing(shop: Shop, listing_id: Any) -> Listing:
    try:
        return Listing.objects.select_related("product").get(shop=shop, pk=int(listing_id),
                                                             active=True)
    except (Listing.DoesNotExist, TypeError, ValueError):
        raise ShopError.LISTING_NOT_FOUND.error() from None


def shops_of(user: Any) -> QuerySet[Shop]:
    return Shop.objects.filter(owner=user).order_by("id")
