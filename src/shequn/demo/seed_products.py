"""Demo additions for the brand console's products: one new product of the first
demo brand waiting in the operators' review queue (/ops/reviews/). Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shequn.catalog import editing
from shequn.catalog.models import Organization, Product

if TYPE_CHECKING:
    from shequn.demo.base import DemoData

NAME_EN = "Sakura night serum (new, awaiting review)"


def seed(data: DemoData, say: Callable[[str], None]) -> None:
    brand = next((o for o in data.brands.values() if o.kind == Organization.Kind.BRAND), None)
    template = next(iter(data.skus.values()), None)
    if brand is None or template is None:
        return
    existing = Product.objects.filter(brand=brand, name_en=NAME_EN).first()
    if existing is None:
        fields = {f: getattr(template, f) for f in editing.SKU_FIELDS}
        fields.update(code="DEMO-NEW-01", gtin="", gmodel="樱花|夜间精华|30ml",
                      price="259.00")
        existing = editing.create_product(
            brand, data.brand_user,
            {"name": "樱花夜间精华（新品）", "name_en": NAME_EN, "origin_country": "116",
             "description": "品牌新提交的商品，等待运营审核。", "seller": data.seller},
            [fields], submit=True)
    say(f"Product awaiting review: {existing.name} (ops: /ops/reviews/, "
        f"brand: /brand/products/{existing.pk}/)")
