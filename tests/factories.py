"""Test data builders shared by every domain's tests: ``from tests.factories import ...``.

They go through the domain services where one exists, so the rows they make obey
the same rules as production (valid GTIN, HS code on the positive list, ledger).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from stdnum import ean

from shequn.catalog import services as catalog_services
from shequn.catalog.models import SKU, Organization, PositiveListLine, Product
from shequn.inventory import services as inventory_services
from shequn.inventory.models import Stock, Warehouse

_seq = itertools.count(1)

DEFAULT_HS = "3304990099"  # 其他美容品或化妆品及护肤品 (tariff line 33049900)


def make_gtin(prefix: str = "690") -> str:
    """A GTIN-13 with a correct check digit, unique within the test run."""
    body = f"{prefix}{next(_seq):09d}"[:12]
    return body + ean.calc_check_digit(body)


def make_org(kind: str = Organization.Kind.BRAND, name: str | None = None,
             **fields: Any) -> Organization:
    n = next(_seq)
    fields.setdefault("name_en", f"{kind} {n}")
    fields.setdefault("customs_code", f"3301{n:06d}")
    return Organization.objects.create(kind=kind, name=name or f"{kind}机构{n}", **fields)


def make_positive_line(tariff_line: str = DEFAULT_HS[:8], *, bonded_only: bool = False,
                       per_order_qty_cap: int | None = None,
                       description: str = "测试商品") -> PositiveListLine:
    line, _ = PositiveListLine.objects.update_or_create(
        tariff_line=tariff_line,
        defaults={"description": description, "bonded_only": bonded_only,
                  "per_order_qty_cap": per_order_qty_cap})
    return line


def make_product(*, brand: Organization | None = None, seller: Organization | None = None,
                 name: str | None = None, origin_country: str = "116", **fields: Any) -> Product:
    n = next(_seq)
    return catalog_services.create_product(
        brand=brand or make_org(Organization.Kind.BRAND),
        seller=seller or make_org(Organization.Kind.EBC),
        name=name or f"测试商品{n}", name_en=fields.pop("name_en", f"Test product {n}"),
        origin_country=origin_country,
        origin_country_name=fields.pop("origin_country_name", "日本"), **fields)


def make_sku(*, product: Product | None = None, hs_code: str = DEFAULT_HS,
             price: Decimal | str = "99.00", positive_line: bool = True,
             line_bonded_only: bool = False, qty_cap: int | None = None,
             **fields: Any) -> SKU:
    """A SKU; its HS code's tariff line is put on the positive list (with the given
    flags) unless ``positive_line=False``."""
    if positive_line:
        make_positive_line(hs_code[:8], bonded_only=line_bonded_only, per_order_qty_cap=qty_cap)
    n = next(_seq)
    fields.setdefault("gtin", make_gtin())
    fields.setdefault("gmodel", f"测试品牌|规格{n}|50ml")
    return catalog_services.create_sku(
        product=product or make_product(), code=fields.pop("code", f"SKU{n:06d}"),
        hs_code=hs_code, price=price, **fields)


def make_warehouse(kind: str = "bonded", **fields: Any) -> Warehouse:
    n = next(_seq)
    bonded = kind == Warehouse.Kind.BONDED
    fields.setdefault("trade_mode", "1210" if bonded else "9610")
    fields.setdefault("customs_code", "2991" if bonded else "2244")
    fields.setdefault("name", f"{'保税仓' if bonded else '直邮仓'}{n}")
    if bonded:
        fields.setdefault("area_code", f"33019{n:05d}")
        fields.setdefault("ems_no", f"T2991W{n:06d}")
    return Warehouse.objects.create(code=fields.pop("code", f"WH{n:04d}"), kind=kind, **fields)


def make_stock(warehouse: Warehouse, sku: SKU, qty: int, *, lot: str | None = None,
               expiry: dt.date | None = dt.date(2030, 1, 1)) -> Stock:
    """Receive ``qty`` units through the inventory service (so the ledger balances)."""
    return inventory_services.receive(warehouse=warehouse, sku=sku,
                                      lot=lot or f"LOT{next(_seq):06d}", expiry=expiry, qty=qty)
