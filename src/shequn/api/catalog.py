"""Public catalog: products with their SKUs, prices and stock by trade mode."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from shequn.api.schemas import Error, Id, Money
from shequn.catalog import selectors
from shequn.catalog.models import SKU, Product
from shequn.inventory.selectors import availability_by_trade_mode

router = Router(tags=["catalog"])


class SkuBrief(Schema):
    id: int
    code: str
    gmodel: str
    label_en: str
    price: Money


class ProductBrief(Schema):
    id: int
    name: str
    name_en: str
    origin: str
    origin_name: str
    image: str
    min_price: Money | None
    skus: list[SkuBrief]


class SkuDetail(SkuBrief):
    gtin: str
    hs_code: str
    vat_rate: Decimal
    consumption_tax_rate: Decimal
    consumption_tax_rule: str
    price_includes_tax: bool
    bonded_only: bool
    net_content: Decimal
    net_content_unit: str
    available: dict[str, int]  # trade mode ("1210" / "9610") -> units


class ProductDetail(Schema):
    id: int
    name: str
    name_en: str
    description: str
    description_en: str
    brand: str
    category: str | None
    origin: str
    origin_name: str
    image: str
    min_price: Money | None
    skus: list[SkuDetail]


def _brief(sku: SKU) -> dict:
    return {"id": sku.id, "code": sku.code, "gmodel": sku.gmodel, "label_en": sku.label_en,
            "price": sku.price}


def _min_price(skus: list[SKU]) -> Decimal | None:
    return min((s.price for s in skus), default=None)


def _product_brief(p: Product) -> dict:
    skus = list(p.skus.all())
    return {"id": p.id, "name": p.name, "name_en": p.name_en, "origin": p.origin_country,
            "origin_name": p.origin_country_name, "image": p.image,
            "min_price": _min_price(skus), "skus": [_brief(s) for s in skus]}


@router.get("/products", response=list[ProductBrief])
def list_products(request: HttpRequest) -> list[dict]:
    return [_product_brief(p) for p in selectors.product_list()]


@router.get("/products/{product_id}", response={200: ProductDetail, 404: Error, 422: Error})
def get_product(request: HttpRequest, product_id: Id) -> dict:
    p = selectors.product_detail(product_id)  # DomainError unknown_product -> 404
    skus = list(p.skus.all())
    stock = availability_by_trade_mode([s.id for s in skus])
    return {
        "id": p.id, "name": p.name, "name_en": p.name_en, "description": p.description,
        "description_en": p.description_en,
        "brand": p.brand.name, "category": p.category.name if p.category else None,
        "origin": p.origin_country, "origin_name": p.origin_country_name, "image": p.image,
        "min_price": _min_price(skus),
        "skus": [{**_brief(s), "gtin": s.gtin, "hs_code": s.hs_code, "vat_rate": s.vat_rate,
                  "consumption_tax_rate": s.consumption_tax_rate,
                  "consumption_tax_rule": s.consumption_tax_rule,
                  "price_includes_tax": s.price_includes_tax, "bonded_only": s.bonded_only,
                  "net_content": s.net_content, "net_content_unit": s.net_content_unit,
                  "available": {mode: max(n, 0) for mode, n in stock.get(s.id, {}).items()}}
                 for s in skus],
    }
