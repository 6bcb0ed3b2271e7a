"""The demo data set, read from ``data/catalog.toml`` (shipped in the package):
brands, the positive-list lines, categories, batches and products. Plain data,
no Django: ``seeding`` turns it into rows."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("data") / "catalog.toml"

BONDED_WH = "HZXS-1210"
DIRECT_WH = "DM-9610"


@dataclass(frozen=True)
class ProductSpec:
    code: str
    brand: str
    category: str
    name: str
    name_en: str
    description: str
    image: str
    gtin12: str  # first 12 digits; the check digit is computed
    gmodel: str
    hs_code: str
    unit: str
    legal_unit1: str
    legal_qty1: Decimal
    net_kg: Decimal
    gross_kg: Decimal
    net_content: Decimal
    content_unit: str
    price: Decimal
    vat_rate: Decimal = Decimal("0.13")
    ct_rule: str = "none"
    ct_rate: Decimal = Decimal("0")
    tariff_rate: Decimal = Decimal("0")
    bonded_only: bool = False
    price_includes_tax: bool = False
    legal_unit2: str = ""
    legal_qty2: Decimal | None = None
    warehouse: str = BONDED_WH
    perishable: bool = True  # False: no shelf life (leather goods), batches get no expiry
    description_en: str = ""
    label_en: str = ""  # the option's English name (the gmodel stays Chinese)


_DECIMALS = {"legal_qty1", "net_kg", "gross_kg", "net_content", "price", "vat_rate",
             "ct_rate", "tariff_rate", "legal_qty2"}


def _product(row: dict[str, Any]) -> ProductSpec:
    fields: dict[str, Any] = {k: Decimal(v) if k in _DECIMALS else v for k, v in row.items()}
    return ProductSpec(**fields)


def _load() -> dict[str, Any]:
    with DATA_FILE.open("rb") as f:
        return tomllib.load(f)


_DATA = _load()

# key -> (name, English name, JGS-20 country code)
BRANDS: dict[str, tuple[str, str, str]] = {
    key: (b["name"], b["name_en"], b["country"]) for key, b in _DATA["brands"].items()}
COUNTRY_NAMES: dict[str, str] = dict(_DATA["countries"])
# (tariff line, description, bonded_only, per-order qty cap, note)
POSITIVE_LIST: list[tuple[str, str, bool, int | None, str]] = [
    (p["tariff_line"], p["description"], p["bonded_only"], p.get("per_order_qty_cap"),
     p.get("note", "")) for p in _DATA["positive_list"]]
CATEGORIES: list[tuple[str, str, str]] = [(c["slug"], c["name"], c.get("name_en", ""))
                                          for c in _DATA["categories"]]
# (lot suffix, produced, expiry, qty)
BATCHES: list[tuple[str, dt.date, dt.date, int]] = [
    (b["lot_suffix"], b["produced"], b["expiry"], b["qty"]) for b in _DATA["batches"]]
PRODUCTS: list[ProductSpec] = [_product(p) for p in _DATA["products"]]
