"""Brand-side product builders: a brand with its staff and seller of record, valid
form/API data for products and SKUs, pictures and XLSX files."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from PIL import Image

from shequn.accounts import roles
from shequn.accounts.models import User
from shequn.brands.models import Membership
from shequn.catalog import editing, spreadsheet_io
from shequn.catalog.models import Organization, Product
from tests.builders.catalog import DEFAULT_HS, make_org, make_positive_line
from tests.builders.ids import make_gtin
from tests.builders.people import make_user

_codes = itertools.count(1)


@dataclass
class BrandSide:
    brand: Organization
    seller: Organization
    staff: User


def brand_side(name: str = "") -> BrandSide:
    """A brand organization with one brand staff member, and a seller of record."""
    n = next(_codes)
    brand = make_org(Organization.Kind.BRAND, name=name or f"品牌{n}", code=f"brand-{n}",
                     country="116")
    seller = make_org(Organization.Kind.EBC, name=f"跨境电商{n}", code=f"ebc-{n}")
    staff = make_user(f"brandstaff{n}")
    roles.grant(staff, roles.BRAND_STAFF)
    Membership.objects.create(organization=brand, user=staff, role=Membership.Role.STAFF)
    make_positive_line(DEFAULT_HS[:8])
    return BrandSide(brand=brand, seller=seller, staff=staff)


def sku_data(**over: Any) -> dict[str, Any]:
    data = {"code": f"PS{next(_codes):06d}", "gtin": make_gtin(),
            "gmodel": "测试品牌|精华液|30ml", "hs_code": DEFAULT_HS, "price": "199.00",
            "unit": "142", "legal_unit1": "035", "legal_qty1_per_unit": "0.05",
            "net_weight_kg": "0.05", "gross_weight_kg": "0.12", "net_content": "30",
            "net_content_unit": "ml", "vat_rate": "0.13", "consumption_tax_rate": "0.15",
            "consumption_tax_rule": "high_end_cosmetics", "tariff_rate": "0",
            "bonded_only": False, "price_includes_tax": False}
    data.update(over)
    return data


def product_data(side: BrandSide, **over: Any) -> dict[str, Any]:
    data = {"name": "测试精华", "name_en": "Test serum", "description": "好用",
            "origin_country": "116", "seller": side.seller.pk}
    data.update(over)
    return data


def approved_product(side: BrandSide, operator: User, **sku_over: Any) -> Product:
    """A product created by the brand, submitted and approved by ``operator``."""
    product = editing.create_product(side.brand, side.staff, product_data(side),
                                     [sku_data(**sku_over)], submit=True)
    return editing.decide_product(product.pk, operator, True, "ok")


def jpeg_with_exif(size: tuple[int, int] = (900, 600)) -> bytes:
    img = Image.new("RGB", size, (200, 60, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "GeoTagger 31N 121E"  # Software
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header or spreadsheet_io.COLUMNS))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_row(side: BrandSide, ref: str = "A", **over: Any) -> list[Any]:
    sku = sku_data()
    values = {"product_ref": ref, "brand": "", "seller": side.seller.code, "name": "导入商品",
              "name_en": "Imported", "description": "", "description_en": "",
              "origin_country": "116",
              "category": "", "sku_code": sku["code"], "gtin": sku["gtin"],
              "gmodel": sku["gmodel"], "label_en": "", "hs_code": sku["hs_code"],
              "unit": "142",
              "legal_unit1": "035", "legal_qty1_per_unit": "0.05", "legal_unit2": "",
              "legal_qty2_per_unit": "", "net_weight_kg": "0.05", "gross_weight_kg": "0.12",
              "net_content": "30", "net_content_unit": "ml", "vat_rate": "0.13",
              "consumption_tax_rate": "0", "consumption_tax_rule": "none",
              "tariff_rate": "0", "bonded_only": "false", "price": "99.00",
              "price_includes_tax": "false"}
    values.update(over)
    return [values[c] for c in spreadsheet_io.COLUMNS]


def use_tmp_image_storage(settings: Any, tmp_path: Any) -> None:
    """Point the "product_images" storage (and MEDIA_ROOT) at a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    storages = dict(settings.STORAGES)
    storages["product_images"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                  "OPTIONS": {"location": str(tmp_path / "products")}}
    settings.STORAGES = storages
