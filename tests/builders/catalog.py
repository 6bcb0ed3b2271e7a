"""Catalog and stock: organizations, positive-list lines, products, SKUs,
warehouses and received stock. Products and SKUs are made by the catalog services
(valid GTIN, HS code on the positive list), stock by the inventory service (so the
ledger balances)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from shequn.brands import chain
from shequn.catalog import services as catalog_services
from shequn.catalog.models import SKU, Organization, PositiveListLine, Product
from shequn.inventory import services as inventory_services
from shequn.inventory.models import Stock, Warehouse
from tests.builders.chain import authorize
from tests.builders.ids import make_gtin

_lots = itertools.count(1)

DEFAULT_HS = "3304990099"  # 其他美容品或化妆品及护肤品 (tariff line 33049900)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.BRAND
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.kind}机构{n}")
    name_en = factory.LazyAttributeSequence(lambda o, n: f"{o.kind} {n}")
    customs_code = factory.Sequence(lambda n: f"3301{n:06d}")


class WarehouseFactory(DjangoModelFactory):
    """A bonded (1210) warehouse by default; ``kind="direct"`` for direct mail (9610)."""

    class Meta:
        model = Warehouse

    class Params:
        bonded = factory.LazyAttribute(lambda o: o.kind == Warehouse.Kind.BONDED)

    kind = Warehouse.Kind.BONDED
    code = factory.Sequence(lambda n: f"WH{n:04d}")
    name = factory.LazyAttributeSequence(lambda o, n: f"{'保税仓' if o.bonded else '直邮仓'}{n}")
    trade_mode = factory.LazyAttribute(lambda o: "1210" if o.bonded else "9610")
    customs_code = factory.LazyAttribute(lambda o: "2991" if o.bonded else "2244")
    area_code = factory.LazyAttributeSequence(lambda o, n: f"33019{n:05d}" if o.bonded else "")
    ems_no = factory.LazyAttributeSequence(lambda o, n: f"T2991W{n:06d}" if o.bonded else "")


class ProductFactory(factory.Factory):
    """A product through ``catalog.services.create_product``, with an active
    brand → seller authorization grant (brands.chain) unless ``chain=False``."""

    class Meta:
        model = Product

    brand = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.BRAND)
    seller = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.EBC)
    name = factory.Sequence(lambda n: f"测试商品{n}")
    name_en = factory.Sequence(lambda n: f"Test product {n}")
    origin_country = "116"
    origin_country_name = "日本"
    chain = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Product:
        with_chain = kwargs.pop("chain")
        product = catalog_services.create_product(**kwargs)
        if with_chain:
            authorize(product)
        return product


class SKUFactory(factory.Factory):
    """A SKU through ``catalog.services.create_sku``; its HS code's tariff line is put
    on the positive list first (with the given flags) unless ``positive_line=False``."""

    class Meta:
        model = SKU

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"SKU{n:06d}")
    hs_code = DEFAULT_HS
    price = "99.00"
    gtin = factory.LazyFunction(make_gtin)
    gmodel = factory.Sequence(lambda n: f"测试品牌|规格{n}|50ml")
    positive_line = True
    line_bonded_only = False
    qty_cap = None

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> SKU:
        on_list = kwargs.pop("positive_line")
        bonded_only, cap = kwargs.pop("line_bonded_only"), kwargs.pop("qty_cap")
        if on_list:
            make_positive_line(kwargs["hs_code"][:8], bonded_only=bonded_only,
                               per_order_qty_cap=cap)
        sku = catalog_services.create_sku(**kwargs)
        # The new SKU gets its covers when its product has a chain (brands.chain).
        chain.recompute_for_products([sku.product_id])
        return sku


def make_org(kind: str = Organization.Kind.BRAND, name: str | None = None,
             **fields: Any) -> Organization:
    if name is not None:
        fields["name"] = name
    return OrganizationFactory(kind=kind, **fields)


def make_positive_line(tariff_line: str = DEFAULT_HS[:8], *, bonded_only: bool = False,
                       per_order_qty_cap: int | None = None,
                       description: str = "测试商品") -> PositiveListLine:
    line, _ = PositiveListLine.objects.update_or_create(
        tariff_line=tariff_line,
        defaults={"description": description, "bonded_only": bonded_only,
                  "per_order_qty_cap": per_order_qty_cap})
    return line


def make_product(**fields: Any) -> Product:
    return ProductFactory(**{k: v for k, v in fields.items() if v is not None})


def make_sku(**fields: Any) -> SKU:
    return SKUFactory(**{k: v for k, v in fields.items() if v is not None or k == "qty_cap"})


def make_warehouse(kind: str = Warehouse.Kind.BONDED, **fields: Any) -> Warehouse:
    return WarehouseFactory(kind=kind, **fields)


def make_stock(warehouse: Warehouse, sku: SKU, qty: int, *, lot: str | None = None,
               expiry: dt.date | None = dt.date(2030, 1, 1)) -> Stock:
    """Receive ``qty`` units through the inventory service."""
    return inventory_services.receive(warehouse=warehouse, sku=sku,
                                      lot=lot or f"LOT{next(_lots):06d}", expiry=expiry,
                                      qty=qty)


def make_buyable(price: str = "298.00", stock: int = 50, *, vat: str = "0.13",
                 ct_rule: str = "none", ct_rate: str = "0", hs_code: str = "1901101010",
                 warehouse: Warehouse | None = None, seller: Organization | None = None,
                 **sku_fields: Any) -> SKU:
    """A SKU with ``stock`` units in a bonded warehouse (a new one unless given)."""
    sku = make_sku(product=make_product(seller=seller), price=price, hs_code=hs_code,
                   vat_rate=Decimal(vat), consumption_tax_rule=ct_rule,
                   consumption_tax_rate=Decimal(ct_rate), **sku_fields)
    if stock:
        make_stock(warehouse or make_warehouse(), sku, stock)
    return sku
