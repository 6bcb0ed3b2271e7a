"""Catalog reads."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from shequn.catalog.errors import CatalogError
from shequn.catalog.models import SKU, Product, ProductImage


def _first_images() -> Prefetch:
    """The product's pictures in order (``product.images.all()``; the first is the cover)."""
    return Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))


def cover(product: Product) -> ProductImage | None:
    """The product's first picture (uses a prefetch when there is one)."""
    cache = getattr(product, "_prefetched_objects_cache", {})
    if "images" in cache:
        rows = list(cache["images"])
        return rows[0] if rows else None
    return product.images.order_by("position", "id").first()


def _active_skus() -> QuerySet[SKU]:
    return SKU.objects.filter(active=True).order_by("price", "id")


def product_list() -> QuerySet[Product]:
    """Active products that have at least one active SKU, SKUs prefetched (cheapest first)."""
    return (Product.objects.filter(active=True, skus__active=True,
                                   review_state=Product.ReviewState.APPROVED).distinct()
            .select_related("brand", "category")
            .prefetch_related(Prefetch("skus", queryset=_active_skus()))
            .order_by("id"))


def product_detail(product_id: int) -> Product:
    product = (Product.objects.filter(pk=product_id, active=True,
                                      review_state=Product.ReviewState.APPROVED)
               .select_related("brand", "seller", "category")
               .prefetch_related(Prefetch("skus", queryset=_active_skus()), _first_images())
               .first())
    if product is None:
        raise CatalogError.UNKNOWN_PRODUCT.error(product_id=product_id)
    return product


def get_sku(sku_id: int) -> SKU:
    sku = SKU.objects.select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise CatalogError.UNKNOWN_SKU.error(sku_id=sku_id)
    return sku
