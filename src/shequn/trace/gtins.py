"""Which SKU a GTIN names (catalog keeps GTIN-8/12/13/14 as entered)."""

from __future__ import annotations

from shequn.catalog.models import SKU


def sku_of_gtin(gtin: str) -> SKU | None:
    """The SKU a GTIN names (its brand owns the report of an unknown code)."""
    short = gtin.lstrip("0")
    candidates = {gtin, gtin[1:], short, short.zfill(12), short.zfill(13)}
    return (SKU.objects.filter(gtin__in=candidates).select_related("product__brand")
            .order_by("pk").first())
