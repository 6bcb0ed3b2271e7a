"""A product's English description and a SKU's English option label (decision
0014 carried on): entered like ``name_en`` (console services, XLSX, no review
needed), shown by catalog.names' rule; the Chinese description and the customs
``gmodel`` stay as they are."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from shequn.catalog import editing, spreadsheet_io
from shequn.catalog.models import SKU, ChangeRequest, Product
from tests.builders.people import make_operator
from tests.builders.products import (
    approved_product,
    brand_side,
    product_data,
    sheet_row,
    sku_data,
    xlsx,
)

DESC, DESC_EN = "高档精华，滴管瓶装。", "A high-end serum in a dropper bottle."


@pytest.mark.parametrize(("language", "description_en", "shown"), [
    ("en", DESC_EN, DESC_EN),
    ("en", "", DESC),
    ("en", "  \n ", DESC),
    ("zh-hans", DESC_EN, DESC),
])
def test_display_description_follows_the_names_rule(language: str, description_en: str,
                                                    shown: str) -> None:
    with translation.override(language):
        product = Product(description=DESC, description_en=description_en)
        assert product.display_description == shown
        assert product.description == DESC  # the stored text never changes


@pytest.mark.django_db
def test_console_services_save_the_english_description_and_label_without_review() -> None:
    side = brand_side()
    product = editing.create_product(
        side.brand, side.staff, product_data(side, description_en=DESC_EN),
        [sku_data(label_en="30 ml bottle")])
    product.refresh_from_db()
    assert product.description_en == DESC_EN
    assert product.skus.get().label_en == "30 ml bottle"

    approved = approved_product(side, make_operator())
    sku = approved.skus.get()
    _p, request = editing.update_product(side.brand, side.staff, approved.pk,
                                         {"description_en": "Now in English"})
    _s, sku_request = editing.update_sku(side.brand, side.staff, sku.pk,
                                         {"label_en": "Bottle, 30 ml"})
    assert request is None and sku_request is None  # not tax-relevant: applies at once
    approved.refresh_from_db()
    sku.refresh_from_db()
    assert approved.description_en == "Now in English"
    assert (sku.label_en, sku.gmodel) == ("Bottle, 30 ml", "测试品牌|精华液|30ml")
    assert not ChangeRequest.objects.filter(product=approved).exists()


@pytest.mark.django_db
def test_too_long_english_text_is_refused_by_field() -> None:
    side = brand_side()
    with pytest.raises(editing.FieldErrors) as info:
        editing.create_product(side.brand, side.staff,
                               product_data(side, description_en="x" * 5001),
                               [sku_data(label_en="y" * 101)])
    assert info.value.fields["description_en"].code == "too_long"
    assert info.value.fields["sku0.label_en"].code == "too_long"
    assert not Product.objects.filter(brand=side.brand).exists()


@pytest.mark.django_db
def test_the_import_reads_the_english_columns() -> None:
    side = brand_side()
    row = sheet_row(side, "A", description_en=DESC_EN, label_en="30 ml bottle")
    plan = spreadsheet_io.validate(side.brand, spreadsheet_io.read_sheet(xlsx([row])))
    assert not plan.errors
    spreadsheet_io.apply(side.brand, side.staff, plan)
    product = Product.objects.get(brand=side.brand)
    assert product.description_en == DESC_EN
    assert product.skus.get().label_en == "30 ml bottle"


def _old_sheet(rows: list[list]) -> bytes:
    """A sheet from before the English columns: the same rows without them."""
    header = [c for c in spreadsheet_io.COLUMNS if c not in spreadsheet_io.LATER_COLUMNS]
    keep = [i for i, c in enumerate(spreadsheet_io.COLUMNS) if c in header]
    return xlsx([[r[i] for i in keep] for r in rows], header=header)


@pytest.mark.django_db
def test_an_old_sheet_without_the_english_columns_still_imports() -> None:
    side = brand_side()
    plan = spreadsheet_io.validate(side.brand,
                                   spreadsheet_io.read_sheet(_old_sheet([sheet_row(side)])))
    assert not plan.errors
    assert spreadsheet_io.apply(side.brand, side.staff, plan)["products"] == 1
    product = Product.objects.get(brand=side.brand)
    assert (product.description_en, product.skus.get().label_en) == ("", "")


@pytest.mark.django_db
def test_an_old_sheet_does_not_clear_the_english_text_of_an_existing_product() -> None:
    side = brand_side()
    product = editing.create_product(
        side.brand, side.staff, product_data(side, description_en=DESC_EN),
        [sku_data(label_en="30 ml bottle")])
    exported = load_workbook(io.BytesIO(spreadsheet_io.export_workbook(side.brand))).active
    rows = [list(r) for r in exported.iter_rows(values_only=True)]
    assert rows[0] == list(spreadsheet_io.COLUMNS)
    columns = dict(zip(rows[0], rows[1], strict=True))
    assert (columns["description_en"], columns["label_en"]) == (DESC_EN, "30 ml bottle")
    rows[1][rows[0].index("name")] = "改过的名字"
    plan = spreadsheet_io.validate(side.brand, spreadsheet_io.read_sheet(_old_sheet(rows[1:])))
    assert not plan.errors
    spreadsheet_io.apply(side.brand, side.staff, plan)
    product.refresh_from_db()
    assert (product.name, product.description_en) == ("改过的名字", DESC_EN)
    assert SKU.objects.get(product=product).label_en == "30 ml bottle"
