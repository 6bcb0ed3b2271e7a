"""A GTIN names one trade item of one brand owner: the catalog refuses a GTIN
another brand's SKU already carries (in any of its spellings: GTIN-13 and the
same number as GTIN-14), through the console's services, the partner API and
the spreadsheet import; the brand's own GTIN and an unchanged one pass."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shequn.brands.apikeys import create_key
from shequn.catalog import editing, spreadsheet_io
from shequn.catalog.editing import FieldErrors
from shequn.catalog.models import SKU, Product
from tests.builders.people import make_operator
from tests.builders.products import approved_product, brand_side, sheet_row, sku_data, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken():
    """Brand A's approved product and its GTIN; brand B, who wants to use it."""
    a, b = brand_side(), brand_side()
    product = approved_product(a, make_operator())
    return a, b, product.skus.get().gtin


def _field_code(exc: FieldErrors, suffix: str) -> str:
    return next(e.code for k, e in exc.fields.items() if k.endswith(suffix))


def test_a_new_product_of_another_brand_cannot_carry_the_gtin(taken):
    _a, b, gtin = taken
    for spelling in (gtin, gtin.zfill(14)):
        with pytest.raises(FieldErrors) as info:
            editing.create_product(b.brand, b.staff, {"name": "仿", "origin_country": "116",
                                                      "seller": b.seller.code},
                                   [sku_data(gtin=spelling)], submit=True)
        assert _field_code(info.value, "gtin") == "gtin_of_another_brand"
    assert not Product.objects.filter(brand=b.brand).exists()


def test_nor_a_new_or_edited_sku(taken):
    a, b, gtin = taken
    own = approved_product(b, make_operator())
    with pytest.raises(FieldErrors) as info:
        editing.create_sku(b.brand, b.staff, own.pk, sku_data(gtin=gtin))
    assert _field_code(info.value, "gtin") == "gtin_of_another_brand"
    sku = own.skus.get()
    before = sku.gtin
    with pytest.raises(FieldErrors):
        editing.update_sku(b.brand, b.staff, sku.pk, {"gtin": gtin.zfill(14)})
    sku.refresh_from_db()
    assert sku.gtin == before
    # The owner keeps using its GTIN: a second SKU, and edits that leave it alone.
    mine = Product.objects.filter(brand=a.brand).get()
    editing.create_sku(a.brand, a.staff, mine.pk, sku_data(gtin=gtin))
    editing.update_sku(a.brand, a.staff, mine.skus.order_by("pk").first().pk,
                       {"gmodel": "新规格"})
    assert SKU.objects.filter(gtin=gtin, product__brand=a.brand).count() == 2


def test_the_partner_api_answers_with_the_field_and_code(taken):
    _a, b, gtin = taken
    _row, key = create_key(b.brand, ["catalog"])
    body = {"name": "接口商品", "origin_country": "116", "seller": b.seller.code,
            "skus": [sku_data(gtin=gtin)], "submit": True}
    resp = Client().post("/api/v1/partner/catalog/products", data=json.dumps(body),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                         HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 422
    err = resp.json()["fields"]["sku0.gtin"]
    assert err["code"] == "gtin_of_another_brand"
    assert "another brand" in err["message_en"]
    assert not Product.objects.filter(brand=b.brand).exists()


def test_the_spreadsheet_import_reports_the_row(taken):
    _a, b, gtin = taken
    rows = [sheet_row(b, "A"), sheet_row(b, "B", gtin=gtin.zfill(14))]
    plan = spreadsheet_io.validate(b.brand, spreadsheet_io.read_sheet(xlsx(rows)))
    assert {(e.row, e.column, e.code) for e in plan.errors} == {
        (3, "gtin", "gtin_of_another_brand")}
