"""Catalog state changes. Each public function is one transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from shequn.catalog.errors import CatalogError
from shequn.catalog.models import SKU, Organization, PositiveListLine, Product
from shequn.catalog.validators import tariff_line, validate_gtin, validate_hs_code
from shequn.core import audit
from shequn.core.money import parse_money, q2

DIRECT_MAIL = "9610"
BONDED = "1210"
_PRICE = SKU._meta.get_field("price")
# Prices below this fit the price column (12 digits, 2 of them after the point).
PRICE_LIMIT = Decimal(10) ** (_PRICE.max_digits - _PRICE.decimal_places)  # type: ignore[attr-defined]


def _clean_price(raw: object) -> Decimal:
    try:
        value = parse_money(raw)
    except ValueError as exc:
        raise CatalogError.INVALID_PRICE.error(price=raw) from exc
    # A price must be positive and already in cents: silently rounding a seller's
    # input would change what they asked for. One the column cannot hold was a
    # numeric overflow (1e30 an InvalidOperation in q2): a 500.
    if value <= 0 or value >= PRICE_LIMIT or value != q2(value):
        raise CatalogError.INVALID_PRICE.error(price=raw)
    return q2(value)


def positive_list_line(hs_code: str) -> PositiveListLine | None:
    return PositiveListLine.objects.filter(tariff_line=tariff_line(hs_code)).first()


@transaction.atomic
def create_product(*, brand: Organization, seller: Organization, name: str,
                   origin_country: str, name_en: str = "", description: str = "",
                   description_en: str = "",
                   origin_country_name: str = "", image: str = "", category: Any = None,
                   skus: list[dict[str, Any]] | None = None) -> Product:
    """Create a product; ``skus`` (keyword dicts for :func:`create_sku`) are
    created in the same transaction, so one bad SKU leaves nothing behind."""
    if brand.kind != Organization.Kind.BRAND:
        raise CatalogError.INVALID_ORGANIZATION.error(role="brand", kind=brand.kind)
    # The seller of record on the customs order (ebcCode) must be a registered
    # cross-border e-commerce enterprise.
    if seller.kind != Organization.Kind.EBC:
        raise CatalogError.INVALID_ORGANIZATION.error(role="seller", kind=seller.kind)
    product = Product.objects.create(
        brand=brand, seller=seller, name=name, name_en=name_en, description=description,
        description_en=description_en,
        origin_country=origin_country, origin_country_name=origin_country_name, image=image,
        category=category)
    for spec in skus or []:
        create_sku(product=product, **spec)
    return product


@transaction.atomic
def create_sku(*, product: Product, code: str, gmodel: str, hs_code: str, price: object,
               unit: str = "011", legal_unit1: str = "011",
               legal_qty1_per_unit: Decimal | str = "1",
               net_weight_kg: Decimal | str = "0.1", gross_weight_kg: Decimal | str = "0.15",
               gtin: str = "", **extra: Any) -> SKU:
    """Create a SKU after checking the GTIN's check digit, the 10-digit HS code and
    that its 8-digit tariff line is on the positive list. ``extra`` passes other
    SKU fields (vat_rate, consumption_tax_rule, bonded_only, ...)."""
    hs = validate_hs_code(hs_code)
    clean_gtin = validate_gtin(gtin) if gtin else ""
    line = positive_list_line(hs)
    if line is None:
        raise CatalogError.NOT_ON_POSITIVE_LIST.error(hs_code=hs, tariff_line=hs[:8])
    if line.bonded_only:
        # Keep the SKU's own flag in step with the list so later checks need one field.
        extra["bonded_only"] = True
    if SKU.objects.filter(code=code).exists():
        raise CatalogError.DUPLICATE_SKU_CODE.error(sku_code=code)
    try:
        with transaction.atomic():
            return SKU.objects.create(
                product=product, code=code, gtin=clean_gtin, gmodel=gmodel, hs_code=hs,
                unit=unit, legal_unit1=legal_unit1,
                legal_qty1_per_unit=Decimal(str(legal_qty1_per_unit)),
                net_weight_kg=Decimal(str(net_weight_kg)),
                gross_weight_kg=Decimal(str(gross_weight_kg)),
                price=_clean_price(price), **extra)
    except IntegrityError as exc:  # a concurrent create with the same code
        raise CatalogError.DUPLICATE_SKU_CODE.error(sku_code=code) from exc


def can_set_price(sku: SKU, actor: Any) -> bool:
    """Operators, and staff of the product's seller or brand. Leaders never: they
    are promoters, and fixing a reseller's price is forbidden (ARCHITECTURE §1)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.has_role("operator"):
        return True
    if actor.has_role("leader"):
        return False
    product = sku.product
    return actor.organizations.filter(pk__in=[product.seller_id, product.brand_id]).exists()


@transaction.atomic
def set_price(sku: SKU, price: object, actor: Any) -> SKU:
    if not can_set_price(sku, actor):
        raise CatalogError.PRICE_FORBIDDEN.error(sku=sku.code)
    new_price = _clean_price(price)
    old_price = SKU.objects.select_for_update().values_list("price", flat=True).get(pk=sku.pk)
    SKU.objects.filter(pk=sku.pk).update(price=new_price)
    sku.price = new_price
    audit.record(actor, "catalog.set_price", sku, old=old_price, new=new_price)
    return sku


_LOOK_UP = object()


def check_sellable(sku: SKU, qty: int, trade_mode: str,
                   line: PositiveListLine | object | None = _LOOK_UP) -> None:
    """Raise the CatalogError that stops ``qty`` units of ``sku`` being sold under
    ``trade_mode`` ("1210" bonded or "9610" direct mail). ``qty`` is the SKU's total
    in one order, since the positive list's cap is per order."""
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise CatalogError.INVALID_QTY.error(sku=sku.code, qty=qty)
    if not sku.active or not sku.product.active:
        raise CatalogError.SKU_INACTIVE.error(sku=sku.code)
    if sku.product.review_state != Product.ReviewState.APPROVED:
        # A brand's new product is sold only once an operator approved it.
        raise CatalogError.REVIEW_PENDING.error(sku=sku.code, state=sku.product.review_state)
    if line is _LOOK_UP:  # callers checking many SKUs pass the line they fetched
        line = positive_list_line(sku.hs_code)
    if not isinstance(line, PositiveListLine):
        raise CatalogError.NOT_ON_POSITIVE_LIST.error(sku=sku.code, hs_code=sku.hs_code)
    if trade_mode == DIRECT_MAIL and (sku.bonded_only or line.bonded_only):
        raise CatalogError.BONDED_ONLY.error(sku=sku.code, trade_mode=trade_mode)
    if line.per_order_qty_cap is not None and qty > line.per_order_qty_cap:
        raise CatalogError.OVER_POSITIVE_LIST_QTY_CAP.error(
            sku=sku.code, qty=qty, cap=line.per_order_qty_cap)
