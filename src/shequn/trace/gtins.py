"""Which SKU a GTIN names (catalog keeps GTIN-8/12/13/14 as entered), and whose
a GTIN is. The catalog refuses a GTIN another brand's SKU carries, but rows
from before that check (or from two brands registering it at the same moment)
may share one; in traceability a GTIN belongs to the brand whose SKU
registered it first (its reports, its EPCIS events and codes), so a brand that
copies another's GTIN onto a SKU of its own gains no view of that GTIN's
journey and cannot make codes under it."""

from __future__ import annotations

from collections.abc import Iterable

from shequn.catalog.models import SKU
from shequn.catalog.validators import gtin_spellings


def spellings(gtin14: str) -> set[str]:
    """The ways the catalog may hold this GTIN-14 (GTIN-8, -12, -13 or -14)."""
    return gtin_spellings(gtin14)


def sku_of_gtin(gtin: str) -> SKU | None:
    """The SKU a GTIN names: the first registered with it (its brand owns the
    report of an unknown code)."""
    return (SKU.objects.filter(gtin__in=spellings(gtin)).select_related("product__brand")
            .order_by("pk").first())


def owned_by(brand_id: int, gtins: Iterable[str]) -> set[str]:
    """Those of these GTIN-14s whose first registered SKU is a product of
    ``brand_id``'s."""
    spelled = {s: g for g in set(gtins) for s in spellings(g)}
    first: dict[str, int] = {}
    for value, brand in (SKU.objects.filter(gtin__in=list(spelled)).order_by("pk")
                         .values_list("gtin", "product__brand_id")):
        first.setdefault(spelled[value], brand)
    return {g for g, brand in first.items() if brand == brand_id}
