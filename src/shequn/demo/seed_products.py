"""Demo additions for the brand console's products: one new product of the first
demo brand waiting in the operators' review queue (/ops/reviews/). Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shequn.catalog import editing
from shequn.catalog.models import Product

if TYPE_CHECKING:
    from shequn.demo.base import DemoData

NAME_EN = "Sakura night serum (new, awaiting review)"


def seed(data: DemoData, say: Callable[[str], None]) -> None:
    # Sakura's new serum: the brand login of the demo (BRAND_LOGIN) is Sakura's,
    # and its serum is the template of the new SKU's customs and tax fields.
    brand = data.brands.get("sakura")
    template = data.skus.get("SB-SERUM-30")
    if brand is None or template is None:
        return
    existing = Product.objects.filter(brand=brand, name_en=NAME_EN).first()
    if existing is None:
        fields = {f: getattr(template, f) for f in editing.SKU_FIELDS}
        fields.update(code="DEMO-NEW-01", gtin="4512345000776",
                      gmodel="Sakura Beauty|夜间精华|30ml/瓶|烟酰胺、透明质酸",
                      label_en="30 ml bottle",
                      price="259.00")
        existing = editing.create_product(
            brand, data.brand_user,
            {"name": "樱花夜间精华（新品）", "name_en": NAME_EN, "origin_country": "116",
             "description": "品牌新提交的商品，等待运营审核。",
             "description_en": "A new product from the brand, awaiting the operators' review.",
             "seller": data.seller},
            [fields], submit=True)
    say(f"Product awaiting review: {existing.name} (ops: /ops/reviews/, "
        f"brand: /brand/products/{existing.pk}/)")
