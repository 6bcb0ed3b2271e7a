"""Products and SKUs to and from XLSX (openpyxl).

One row per SKU; the product columns repeat on each row of the same ``product_ref``
(the first row of a product gives its fields). An exported sheet imports again:
its ``product_ref`` is ``P<id>`` of an existing product, SKU codes that exist are
edited (tax fields of an approved product become change requests, as in the console).

Import, in two steps so a page can show progress:

1. ``read_sheet``: refuses at once what is not an XLSX workbook, a wrong header,
   more than MAX_ROWS rows (from the sheet's dimension, or by stopping at
   MAX_ROWS + 1 rows: a 100,000-row file is never read whole) and formulas;
2. ``run_import`` (a background job): validates every row with the same checks as
   the console (progress saved every PROGRESS_EVERY rows), then applies everything
   in one transaction, or nothing at all when any row has an error; the row-by-row
   report (row, column, code, message) is kept on the job and downloadable.

Exports go through core.spreadsheet.safe_cell (formula injection)."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from shequn.catalog import editing, validators
from shequn.catalog.errors import CatalogError
from shequn.catalog.models import (
    SKU,
    Category,
    ImportJob,
    Organization,
    PositiveListLine,
    Product,
)
from shequn.core import audit, clock
from shequn.core.errors import DomainError
from shequn.core.errors import msgid as _
from shequn.core.httpinput import whole_number
from shequn.core.spreadsheet import safe_cell

log = logging.getLogger("shequn.catalog.import")

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024
PROGRESS_EVERY = 250
PRODUCT_COLUMNS = ("product_ref", "brand", "seller", "name", "name_en", "description",
                   "description_en", "origin_country", "category")
SKU_COLUMNS = ("sku_code", "gtin", "gmodel", "label_en", "hs_code", "unit", "legal_unit1",
               "legal_qty1_per_unit", "legal_unit2", "legal_qty2_per_unit", "net_weight_kg",
               "gross_weight_kg", "net_content", "net_content_unit", "vat_rate",
               "consumption_tax_rate", "consumption_tax_rule", "tariff_rate", "bonded_only",
               "price", "price_includes_tax")
COLUMNS = PRODUCT_COLUMNS + SKU_COLUMNS
REQUIRED_COLUMNS = ("product_ref", "name", "origin_country", "sku_code", "gmodel", "hs_code",
                    "net_weight_kg", "gross_weight_kg", "net_content", "net_content_unit",
                    "price")
# Added after sheets were already in use: a sheet without the column leaves the
# field as it is (an edit does not clear it).
LATER_COLUMNS = ("description_en", "label_en")
FORMULA_START = ("=", "＝")


@dataclass
class RowError:
    row: int          # the sheet's row number (the header is row 1)
    column: str
    code: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code,
                "message": self.message_en}


class SheetRefused(DomainError):
    """The whole file is refused before any row is checked (with the cells at fault)."""

    def __init__(self, err: CatalogError, errors: list[RowError] | None = None,
                 **detail: Any) -> None:
        super().__init__(err.value, err.en, err.status, **detail)
        self.errors = errors or []


@dataclass
class Sheet:
    rows: list[tuple[int, dict[str, Any]]]   # (row number, column → value)
    total: int = 0                            # data rows (a quick check reads none)
    columns: tuple[str, ...] = COLUMNS        # the header's columns


# --------------------------------------------------------------------------- export

def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return safe_cell(value)


def export_rows(products: Iterable[Product]) -> Iterator[list[Any]]:
    yield list(COLUMNS)
    for p in products:
        for s in p.skus.all():
            yield [_cell(x) for x in (
                f"P{p.pk}", p.brand.code or p.brand_id, p.seller.code or p.seller_id, p.name,
                p.name_en, p.description, p.description_en, p.origin_country,
                p.category.slug if p.category else "",
                s.code, s.gtin, s.gmodel, s.label_en, s.hs_code, s.unit, s.legal_unit1,
                s.legal_qty1_per_unit, s.legal_unit2,
                s.legal_qty2_per_unit if s.legal_qty2_per_unit is not None else "",
                s.net_weight_kg, s.gross_weight_kg, s.net_content, s.net_content_unit,
                s.vat_rate, s.consumption_tax_rate, s.consumption_tax_rule, s.tariff_rate,
                "true" if s.bonded_only else "false", s.price,
                "true" if s.price_includes_tax else "false")]


def _workbook(rows: Iterable[list[Any]], title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_workbook(org: Organization) -> bytes:
    products = (editing.products_of(org).prefetch_related("skus").order_by("id"))
    return _workbook(export_rows(products), "products")


def template_workbook() -> bytes:
    return _workbook([list(COLUMNS)], "products")


def report_workbook(errors: list[dict[str, Any]]) -> bytes:
    rows: list[list[Any]] = [["row", "column", "code", "message"]]
    rows += [[e["row"], safe_cell(e["column"]), safe_cell(e["code"]), safe_cell(e["message"])]
             for e in errors]
    return _workbook(rows, "errors")


# --------------------------------------------------------------------------- read

def _is_formula(cell: Any) -> bool:
    if getattr(cell, "data_type", "") == "f":
        return True
    value = getattr(cell, "value", None)
    return isinstance(value, str) and value.lstrip()[:1] in FORMULA_START


def _scan(ws: Any, max_rows: int) -> tuple[int, bool]:
    """Stream the sheet's XML once without parsing cells: (rows seen, any formula
    element). Stops as soon as more than ``max_rows`` data rows are seen."""
    rows, formula, tail = 0, False, b""
    with ws.parent._archive.open(ws._worksheet_path) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            block = tail + chunk
            # count "<row" only in the new part (the tail is re-scanned for formulas)
            rows += block.count(b"<row ") + block.count(b"<row>") - (
                tail.count(b"<row ") + tail.count(b"<row>"))
            formula = formula or b"<f>" in block or b"<f " in block or b"<f/>" in block
            if rows - 1 > max_rows:
                break
            tail = block[-8:]
    return rows, formula


def read_sheet(data: bytes, *, max_rows: int = MAX_ROWS, check_only: bool = False) -> Sheet:
    """The sheet's data rows, or SheetRefused (not XLSX, too many rows, wrong
    header, formulas, no rows). The row count and formula elements are found by a
    streaming scan first, so a huge file is refused without parsing its cells.
    ``check_only``: stop after the header and the scan (the upload's quick check)."""
    if len(data) > MAX_BYTES:
        raise SheetRefused(CatalogError.SHEET_TOO_LARGE, size=len(data))
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetRefused(CatalogError.NOT_XLSX)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            TypeError) as exc:
        raise SheetRefused(CatalogError.NOT_XLSX) from exc
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise SheetRefused(CatalogError.SHEET_EMPTY)
        declared = ws.max_row  # from the <dimension> element: no reading needed
        if declared is not None and declared - 1 > max_rows:
            raise SheetRefused(CatalogError.SHEET_TOO_LARGE, rows=declared - 1, max=max_rows)
        try:
            scanned, has_formula = _scan(ws, max_rows)
        except (KeyError, OSError, zipfile.BadZipFile) as exc:
            raise SheetRefused(CatalogError.NOT_XLSX) from exc
        if scanned - 1 > max_rows:
            raise SheetRefused(CatalogError.SHEET_TOO_LARGE, max=max_rows)
        rows_iter = ws.iter_rows()
        header_cells = next(rows_iter, None)
        if header_cells is None:
            raise SheetRefused(CatalogError.SHEET_EMPTY)
        header = [str(c.value).strip() if c.value is not None else "" for c in header_cells]
        while header and header[-1] == "":
            header.pop()
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        unknown = [c for c in header if c not in COLUMNS]
        dupes = sorted({c for c in header if header.count(c) > 1})
        if missing or unknown or dupes:
            errors = ([RowError(1, c, "missing_column", _("Column missing")) for c in missing]
                      + [RowError(1, c or "?", "unknown_column", _("Unknown column"))
                         for c in unknown]
                      + [RowError(1, c, "duplicate_column", _("Column given twice"))
                         for c in dupes])
            raise SheetRefused(CatalogError.SHEET_COLUMNS, errors,
                               missing=",".join(missing), unknown=",".join(unknown))
        if check_only and not has_formula:
            return Sheet(rows=[], total=max(0, scanned - 1))
        rows: list[tuple[int, dict[str, Any]]] = []
        formulas: list[RowError] = []
        number = 1
        for cells in rows_iter:
            number += 1
            values: dict[str, Any] = {}
            blank = True
            for name, cell in zip(header, cells, strict=False):
                if _is_formula(cell):
                    formulas.append(RowError(number, name, CatalogError.SHEET_FORMULA.value,
                                             CatalogError.SHEET_FORMULA.en))
                value = cell.value
                if isinstance(value, str):
                    value = value.strip()
                if value not in (None, ""):
                    blank = False
                values[name] = value
            if blank:
                continue
            rows.append((number, values))
            if len(rows) > max_rows:
                raise SheetRefused(CatalogError.SHEET_TOO_LARGE, max=max_rows)
        if formulas:
            raise SheetRefused(CatalogError.SHEET_FORMULA, formulas[:1000],
                               cells=len(formulas))
        if not rows:
            raise SheetRefused(CatalogError.SHEET_EMPTY)
        return Sheet(rows=rows, total=len(rows), columns=tuple(header))
    finally:
        wb.close()


# --------------------------------------------------------------------------- validate

@dataclass
class ProductPlan:
    ref: str
    row: int
    existing: Product | None
    fields: dict[str, Any]
    brand: Organization | None = None
    seller: Organization | None = None
    new_skus: list[dict[str, Any]] = field(default_factory=list)
    sku_updates: list[tuple[SKU, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Plan:
    products: dict[str, ProductPlan]
    errors: list[RowError]

    @property
    def sku_count(self) -> int:
        return sum(len(p.new_skus) + len(p.sku_updates) for p in self.products.values())


def _field_errors(row: int, err: DomainError, column_of: Callable[[str], str]
                  ) -> list[RowError]:
    if isinstance(err, editing.FieldErrors):
        return [RowError(row, column_of(name), e.code, e.message_en)
                for name, e in err.fields.items()]
    return [RowError(row, "", err.code, err.message_en)]


def _sku_column(name: str) -> str:
    return "sku_code" if name == "code" else name


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sku_data(values: dict[str, Any]) -> dict[str, Any]:
    data = {("code" if c == "sku_code" else c): values.get(c) for c in SKU_COLUMNS
            if c in values}
    for key in ("code", "gtin", "hs_code", "unit", "legal_unit1", "legal_unit2"):
        if key in data:
            data[key] = _text(data[key])
    for key, value in list(data.items()):
        if isinstance(value, float):  # a number cell: keep what the sheet shows
            data[key] = repr(value) if not value.is_integer() else str(int(value))
    return data


def _gtin_brands(sheet: Sheet) -> dict[str, set[int]]:
    """The brands whose SKUs carry the sheet's GTINs (in any spelling), read in
    one statement: the check that a GTIN is not another brand's, for every row
    of a sheet of 10,000 without a statement each."""
    wanted: set[str] = set()
    for _row, values in sheet.rows:
        text = _text(values.get("gtin"))
        if text.isascii() and text.isdigit():
            wanted |= validators.gtin_spellings(text)
    owners: dict[str, set[int]] = {}
    for gtin, brand in (SKU.objects.filter(gtin__in=list(wanted))
                        .values_list("gtin", "product__brand_id")):
        owners.setdefault(gtin, set()).add(brand)
    return owners


def validate(org: Organization, sheet: Sheet,
             progress: Callable[[int], None] | None = None) -> Plan:
    """Check every row as the console would (no writes). Rows of one product_ref
    form one product; a ``P<id>`` ref names an existing product of ``org``."""
    lines = {pl.tariff_line: pl for pl in PositiveListLine.objects.all()}
    categories = {c.slug: c for c in Category.objects.all()}
    mine = {f"P{p.pk}": p for p in editing.products_of(org)}
    sku_codes = {c for c in sheet_codes(sheet)}
    existing = {s.code: s for s in SKU.objects.filter(code__in=sku_codes)
                .select_related("product")}
    own_ids = {p.pk for p in mine.values()}
    seen_codes: set[str] = set()
    plan = Plan(products={}, errors=[])
    gtin_brands = _gtin_brands(sheet)

    def gtin_taken(gtin: str, brand_id: int) -> bool:
        return any(b != brand_id for s in validators.gtin_spellings(gtin)
                   for b in gtin_brands.get(s, ()))

    def line_lookup(hs: str) -> PositiveListLine | None:
        return lines.get(hs[:8])

    for index, (row, values) in enumerate(sheet.rows, start=1):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index)
        ref = _text(values.get("product_ref"))
        if not ref:
            plan.errors.append(RowError(row, "product_ref", "required",
                                        CatalogError.REQUIRED.en))
            continue
        product_plan = plan.products.get(ref)
        if product_plan is None:
            existing_product = mine.get(ref)
            if ref.startswith("P") and ref[1:].isdigit() and existing_product is None:
                plan.errors.append(RowError(row, "product_ref", CatalogError.NOT_YOURS.value,
                                            CatalogError.NOT_YOURS.en))
                continue
            product_data = {c: values.get(c) for c in PRODUCT_COLUMNS[3:]
                            if c in sheet.columns or c not in LATER_COLUMNS}
            slug = _text(product_data.get("category"))
            if slug:
                if slug not in categories:
                    plan.errors.append(RowError(row, "category",
                                                CatalogError.INVALID_CHOICE.value,
                                                CatalogError.INVALID_CHOICE.en))
                product_data["category"] = categories.get(slug)
            else:
                product_data["category"] = None
            product_data["origin_country"] = _text(product_data.get("origin_country"))
            try:
                # partial: a later column the sheet lacks is not checked nor set
                fields = editing.clean_product(product_data, partial=True)
            except DomainError as err:
                plan.errors.extend(_field_errors(row, err, lambda n: n))
                fields = {}
            product_plan = ProductPlan(ref=ref, row=row, existing=existing_product,
                                       fields=fields)
            if existing_product is None:
                try:
                    product_plan.brand, product_plan.seller = editing.parties(
                        org, {"brand": _text(values.get("brand")),
                              "seller": _text(values.get("seller"))})
                except DomainError as err:
                    plan.errors.extend(_field_errors(row, err, lambda n: n))
            plan.products[ref] = product_plan
        data = _sku_data(values)
        code = data.get("code", "")
        if code in seen_codes:
            plan.errors.append(RowError(row, "sku_code", CatalogError.DUPLICATE_SKU_CODE.value,
                                        CatalogError.DUPLICATE_SKU_CODE.en))
            continue
        seen_codes.add(code)
        current = existing.get(code)
        if current is not None and (current.product_id not in own_ids or (
                product_plan.existing is not None
                and current.product_id != product_plan.existing.pk)
                or product_plan.existing is None):
            plan.errors.append(RowError(row, "sku_code", CatalogError.DUPLICATE_SKU_CODE.value,
                                        CatalogError.DUPLICATE_SKU_CODE.en))
            continue
        try:
            owner = (product_plan.existing.brand_id if product_plan.existing is not None
                     else product_plan.brand.pk if product_plan.brand is not None else None)
            cleaned = editing.clean_sku(data, current=current, line_lookup=line_lookup,
                                        code_taken=lambda _c: False, brand_id=owner,
                                        gtin_taken=gtin_taken)
        except DomainError as err:
            plan.errors.extend(_field_errors(row, err, _sku_column))
            continue
        if current is None:
            product_plan.new_skus.append(cleaned)
        else:
            product_plan.sku_updates.append((current, data))
    if progress is not None:
        progress(len(sheet.rows))
    return plan


def sheet_codes(sheet: Sheet) -> list[str]:
    return [_text(values.get("sku_code")) for _row, values in sheet.rows]


@transaction.atomic
def apply(org: Organization, actor: Any, plan: Plan) -> dict[str, int]:
    """Write a plan without errors, all in one transaction. New products are drafts
    (the brand submits them for review); edits follow the console's rules."""
    if plan.errors:
        raise CatalogError.IMPORT_INVALID.error(errors=len(plan.errors))
    created_products = created_skus = updated = 0
    new_plans = [p for p in plan.products.values() if p.existing is None]
    products = Product.objects.bulk_create([
        Product(brand=p.brand, seller=p.seller, review_state=Product.ReviewState.DRAFT,
                **p.fields) for p in new_plans])
    created_products = len(products)
    new_skus: list[SKU] = []
    for product, p in zip(products, new_plans, strict=True):
        new_skus += [SKU(product=product, **cleaned) for cleaned in p.new_skus]
    for p in plan.products.values():
        if p.existing is None:
            continue
        changes = {k: val for k, val in p.fields.items()
                   if getattr(p.existing, k) != val and k != "origin_country_name"}
        if changes:
            editing.update_product(org, actor, p.existing.pk, changes)
        for cleaned in p.new_skus:
            editing.create_sku(org, actor, p.existing.pk, cleaned)
            created_skus += 1
        for sku, data in p.sku_updates:
            editing.update_sku(org, actor, sku.pk, data)
            updated += 1
    SKU.objects.bulk_create(new_skus, batch_size=1000)
    created_skus += len(new_skus)
    audit.record(actor, "catalog.import", org, products=created_products, skus=created_skus,
                 updated=updated)
    return {"products": created_products, "skus": created_skus, "updated": updated}


# --------------------------------------------------------------------------- jobs

IMPORT_TOPIC = "catalog.import_requested"


@transaction.atomic
def start_import(org: Organization, actor: Any, data: bytes, filename: str) -> ImportJob:
    """Check the file at once (format, header, size, formulas) and queue the job;
    a refused file writes nothing."""
    from django.core.files.base import ContentFile

    from shequn.core import outbox

    sheet = read_sheet(data, check_only=True)
    if not sheet.total:
        raise SheetRefused(CatalogError.SHEET_EMPTY)
    job = ImportJob(organization=org, created_by=editing._user(actor),
                    filename=(filename or "import.xlsx")[:200], total_rows=sheet.total)
    job.file.save(f"{org.pk}-{clock.now():%Y%m%d%H%M%S}.xlsx", ContentFile(data), save=False)
    job.save()
    outbox.emit(IMPORT_TOPIC, "import", job.pk, job_id=job.pk)
    audit.record(actor, "catalog.import_start", job, rows=job.total_rows)
    return job


def _save(job_id: int, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(**fields)


def run_import(job_id: int) -> ImportJob | None:
    """Run a queued import (idempotent: a job already started is left alone).
    Progress is committed as rows are checked, outside the import's transaction."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.VALIDATING)
    job = ImportJob.objects.select_related("organization", "created_by").filter(
        pk=job_id).first()
    if not claimed or job is None:
        return job
    try:
        with job.file.open("rb") as fh:
            data = fh.read()
        sheet = read_sheet(data)
        _save(job.pk, total_rows=len(sheet.rows))
        plan = validate(job.organization, sheet,
                        progress=lambda n: _save(job.pk, done_rows=n))
        if plan.errors:
            _save(job.pk, state=ImportJob.State.FAILED, finished_at=clock.now(),
                  errors=[e.as_dict() for e in plan.errors[:5000]])
        else:
            _save(job.pk, state=ImportJob.State.APPLYING)
            counts = apply(job.organization, job.created_by, plan)
            _save(job.pk, state=ImportJob.State.DONE, finished_at=clock.now(),
                  created_products=counts["products"], created_skus=counts["skus"],
                  updated_skus=counts["updated"])
    except SheetRefused as err:
        _save(job.pk, state=ImportJob.State.FAILED, finished_at=clock.now(),
              errors=[e.as_dict() for e in err.errors]
              or [{"row": 0, "column": "", "code": err.code, "message": err.message_en}])
    except DomainError as err:
        _save(job.pk, state=ImportJob.State.FAILED, finished_at=clock.now(),
              errors=[{"row": 0, "column": "", "code": err.code, "message": err.message_en}])
    job.refresh_from_db()
    return job


def jobs_of(org: Organization) -> Any:
    return ImportJob.objects.filter(organization=org)


def job_of(org: Organization, job_id: object) -> ImportJob:
    job = jobs_of(org).filter(Q(pk=whole_number(job_id) or 0)).first()
    if job is None:
        raise CatalogError.UNKNOWN_IMPORT.error(job_id=job_id)
    return job
