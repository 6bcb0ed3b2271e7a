"""XLSX import and export of a brand's products, and product pictures."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from shequn.catalog import editing, spreadsheet_io
from shequn.catalog.models import SKU, ImportJob, Product, ProductImage
from shequn.core import outbox
from shequn.core.errors import DomainError
from tests.builders.people import make_operator
from tests.builders.products import (
    approved_product,
    brand_side,
    jpeg_with_exif,
    sheet_row,
    use_tmp_image_storage,
    xlsx,
)

pytestmark = pytest.mark.django_db


def _refused(data: bytes) -> spreadsheet_io.SheetRefused:
    with pytest.raises(spreadsheet_io.SheetRefused) as info:
        spreadsheet_io.read_sheet(data)
    return info.value


def test_import_happy_path_runs_as_a_job():
    side = brand_side()
    rows = [sheet_row(side, "A"), sheet_row(side, "A"), sheet_row(side, "B", name="第二个")]
    job = spreadsheet_io.start_import(side.brand, side.staff, xlsx(rows), "mine.xlsx")
    assert job.state == ImportJob.State.QUEUED and job.total_rows == 3
    outbox.drain()
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.errors
    assert (job.created_products, job.created_skus, job.percent) == (2, 3, 100)
    products = Product.objects.filter(brand=side.brand).order_by("id")
    assert [p.skus.count() for p in products] == [2, 1]
    assert {p.review_state for p in products} == {Product.ReviewState.DRAFT}


def test_import_is_all_or_nothing_with_a_row_report():
    side = brand_side()
    rows = [sheet_row(side, "A"), sheet_row(side, "A", vat_rate="0.5"),
            sheet_row(side, "B", unit="000", origin_country="XX")]
    job = spreadsheet_io.start_import(side.brand, side.staff, xlsx(rows), "bad.xlsx")
    job = spreadsheet_io.run_import(job.pk)
    assert job.state == ImportJob.State.FAILED
    found = {(e["row"], e["column"], e["code"]) for e in job.errors}
    assert (3, "vat_rate", "invalid_vat_rate") in found
    assert (4, "unit", "invalid_unit") in found
    assert (4, "origin_country", "invalid_country") in found
    assert not Product.objects.filter(brand=side.brand).exists()
    assert not SKU.objects.filter(code=rows[0][spreadsheet_io.COLUMNS.index("sku_code")]).exists()
    report = load_workbook(io.BytesIO(spreadsheet_io.report_workbook(job.errors)))
    cells = [tuple(r) for r in report.active.iter_rows(values_only=True)]
    assert cells[0] == ("row", "column", "code", "message")
    assert (3, "vat_rate", "invalid_vat_rate") in [c[:3] for c in cells]


def test_duplicate_code_in_file_and_foreign_product_ref_reported():
    side, other = brand_side(), brand_side()
    foreign = approved_product(other, make_operator())
    row = sheet_row(side, "A")
    dup = sheet_row(side, "A", sku_code=row[spreadsheet_io.COLUMNS.index("sku_code")])
    plan = spreadsheet_io.validate(side.brand, spreadsheet_io.read_sheet(
        xlsx([row, dup, sheet_row(side, f"P{foreign.pk}")])))
    codes = {(e.row, e.column, e.code) for e in plan.errors}
    assert (3, "sku_code", "duplicate_sku_code") in codes
    assert (4, "product_ref", "not_your_product") in codes


def test_formulas_refused():
    side = brand_side()
    row = sheet_row(side, "A", price="=1+1")
    err = _refused(xlsx([row]))
    assert err.code == "sheet_formula" and err.status == 422
    assert err.errors[0].row == 2 and err.errors[0].column == "price"
    row = sheet_row(side, "A", name="=HYPERLINK(\"http://x\")")
    assert _refused(xlsx([row])).code == "sheet_formula"


def test_wrong_columns_refused():
    err = _refused(xlsx([["a", "b"]], header=["name", "whatever"]))
    assert err.code == "sheet_wrong_columns"
    assert any(e.column == "whatever" and e.code == "unknown_column" for e in err.errors)
    assert any(e.column == "sku_code" and e.code == "missing_column" for e in err.errors)


@pytest.mark.parametrize("data", [b"", b"name,price\nx,1\n", b"PK\x03\x04garbage",
                                  b"%PDF-1.4 not a workbook"])
def test_not_xlsx_refused(data):
    assert _refused(data).code == "not_xlsx"


def test_too_many_rows_refused_quickly():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("products")
    ws.append(list(spreadsheet_io.COLUMNS))
    for i in range(100_000):
        ws.append(["A", "", "", f"n{i}"])
    out = io.BytesIO()
    wb.save(out)
    started = time.monotonic()
    err = _refused(out.getvalue())
    assert err.code == "sheet_too_many_rows" and err.status == 413
    assert time.monotonic() - started < 5


def test_too_many_rows_refused_without_dimension():
    """A writer that leaves out the sheet's dimension: reading stops at the limit + 1."""
    side = brand_side()
    rows = [sheet_row(side, "A") for _ in range(6)]
    with pytest.raises(spreadsheet_io.SheetRefused) as info:
        spreadsheet_io.read_sheet(xlsx(rows), max_rows=5)
    assert info.value.code == "sheet_too_many_rows"


def test_refused_file_writes_nothing():
    side = brand_side()
    with pytest.raises(DomainError):
        spreadsheet_io.start_import(side.brand, side.staff, b"not xlsx", "x.csv")
    assert not ImportJob.objects.exists()


def test_export_round_trip_and_formula_safe():
    side = brand_side()
    product = editing.create_product(side.brand, side.staff,
                                     {"name": "=cmd|' /C calc'!A0", "origin_country": "116",
                                      "seller": side.seller.pk},
                                     [editing_sku()])
    data = spreadsheet_io.export_workbook(side.brand)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == spreadsheet_io.COLUMNS
    assert rows[1][0] == f"P{product.pk}"
    assert rows[1][3].startswith("'=")  # formula-safe export
    # the same sheet imports again as an edit of the same product (nothing new)
    fixed = [list(r) for r in rows]
    fixed[1][3] = "改过的名字"
    plan = spreadsheet_io.validate(side.brand, spreadsheet_io.read_sheet(xlsx(fixed[1:])))
    assert not plan.errors
    counts = spreadsheet_io.apply(side.brand, side.staff, plan)
    assert counts == {"products": 0, "skus": 0, "updated": 1}
    product.refresh_from_db()
    assert product.name == "改过的名字"


def editing_sku() -> dict:
    from tests.builders.products import sku_data

    return sku_data()


# --------------------------------------------------------------------------- images

def test_image_reencoded_without_exif(settings, tmp_path):
    use_tmp_image_storage(settings, tmp_path)
    side = brand_side()
    product = editing.create_product(side.brand, side.staff,
                                     {"name": "图", "origin_country": "116",
                                      "seller": side.seller.pk}, [editing_sku()])
    raw = jpeg_with_exif()
    assert b"PhoneMaker" in raw
    row = editing.add_image(side.brand, side.staff, product.pk, raw)
    stored = (tmp_path / "products" / row.image.name).read_bytes()
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as im:
        assert im.format == "JPEG" and not im.getexif()
        assert (im.width, im.height) == (row.width, row.height) == (900, 600)
    thumb = (tmp_path / "products" / row.thumb.name).read_bytes()
    with Image.open(io.BytesIO(thumb)) as im:
        assert max(im.size) == 320
    second = editing.add_image(side.brand, side.staff, product.pk, jpeg_with_exif((300, 300)))
    assert [r.pk for r in product.images.all()] == [row.pk, second.pk]
    editing.move_image(side.brand, side.staff, product.pk, second.pk, -1)
    assert [r.pk for r in product.images.all()] == [second.pk, row.pk]
    editing.delete_image(side.brand, side.staff, product.pk, second.pk)
    assert list(product.images.all()) == [row]


def test_not_an_image_refused(settings, tmp_path):
    use_tmp_image_storage(settings, tmp_path)
    side = brand_side()
    product = editing.create_product(side.brand, side.staff,
                                     {"name": "图", "origin_country": "116",
                                      "seller": side.seller.pk}, [editing_sku()])
    for raw in (b"<html>not a picture</html>", b"GIF89a-broken", b""):
        with pytest.raises(DomainError) as info:
            editing.add_image(side.brand, side.staff, product.pk, raw)
        assert info.value.code == "not_an_image" and info.value.status == 415
    assert not ProductImage.objects.exists()
    other = brand_side()
    with pytest.raises(DomainError) as info:
        editing.add_image(other.brand, other.staff, product.pk, jpeg_with_exif())
    assert info.value.code == "not_your_product"
