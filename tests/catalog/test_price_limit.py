"""A price the price column cannot hold (12 digits, 2 after the point): the
brand console's product form and SKU edit stored it and PostgreSQL refused it
(numeric field overflow), and 1e30 failed rounding (InvalidOperation): a 500.
It is the field error invalid_price (422) and nothing changes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.catalog import editing
from shequn.catalog.models import Product
from tests.builders.products import brand_side, product_data, sku_data
from tests.web.test_brand_products_pages import _client, _form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("price", ["10000000000", "1e30", "9" * 40])
def test_a_price_too_large_is_a_field_error(price):
    side = brand_side()
    c = _client(side.staff)
    resp = c.post("/brand/products/new/", _form(side, **{"sku0-price": price}))
    assert resp.status_code == 422
    assert "sku0.price" in resp.context["errors"]
    assert not Product.objects.filter(brand=side.brand).exists()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()])
    sku = product.skus.get()
    before = sku.price
    form = {k: ("on" if v is True else v) for k, v in sku_data(code=sku.code).items()
            if v is not False}
    resp = c.post(f"/brand/products/{product.pk}/skus/{sku.pk}/", {**form, "price": price})
    assert resp.status_code == 422
    sku.refresh_from_db()
    assert sku.price == before


def test_the_largest_price_the_column_holds_is_kept():
    side = brand_side()
    resp = _client(side.staff).post("/brand/products/new/",
                                    _form(side, **{"sku0-price": "9999999999.99"}))
    assert resp.status_code == 302
    product = Product.objects.get(brand=side.brand)
    assert product.skus.get().price == Decimal("9999999999.99")
