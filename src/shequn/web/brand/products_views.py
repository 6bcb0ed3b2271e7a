"""Brand console: products and SKUs (/brand/products/).

Brand staff see and edit the products whose brand or seller of record is their
organization (``request.org``); anything else is a 404. Every change goes through
catalog.editing (validators, review queue, audit); a refused form is shown again
with each field's error in place. XLSX export and import (a background job whose
progress the page polls every second) use catalog.spreadsheet_io."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequn.catalog import editing, spreadsheet_io
from shequn.catalog.countries import country_choices
from shequn.catalog.errors import CatalogError
from shequn.catalog.models import SKU, Category, ChangeRequest, ImportJob, Product
from shequn.catalog.units import unit_choices
from shequn.core.errors import DomainError
from shequn.web.brand.access import brand_staff_only

log = logging.getLogger("shequn.web.brand")

MAX_IMAGE_UPLOAD = 8 * 1024 * 1024
MAX_SKU_ROWS = 20
SKU_FORM_FIELDS = ("code", "gtin", "gmodel", "label_en", "hs_code", "price", "unit", "legal_unit1",
                   "legal_qty1_per_unit", "legal_unit2", "legal_qty2_per_unit",
                   "net_weight_kg", "gross_weight_kg", "net_content", "net_content_unit",
                   "vat_rate", "consumption_tax_rate", "consumption_tax_rule", "tariff_rate")
SKU_BOOL_FIELDS = ("bonded_only", "price_includes_tax")


def _org(request: HttpRequest) -> Any:
    return request.org  # type: ignore[attr-defined]


def _refused(request: HttpRequest, err: DomainError) -> HttpResponse:
    return render(request, "brand/products_error.html", {"nav": "products", "error": err},
                  status=err.status)


def _product(request: HttpRequest, product_id: int) -> Product:
    try:
        return editing.product_of(_org(request), product_id)
    except DomainError as err:
        raise Http404("no such product") from err


def _choices() -> dict[str, Any]:
    return {"units": unit_choices(), "countries": country_choices(),
            "categories": list(Category.objects.order_by("name")),
            "content_units": SKU.ContentUnit.choices,
            "ct_rules": SKU.ConsumptionTaxRule.choices}


def _sku_from_post(post: Any, prefix: str) -> dict[str, Any]:
    data = {f: post.get(f"{prefix}{f}", "").strip() for f in SKU_FORM_FIELDS}
    for f in SKU_BOOL_FIELDS:
        data[f] = post.get(f"{prefix}{f}") == "on"
    return data


def _sku_values(sku: SKU) -> dict[str, Any]:
    values = {f: getattr(sku, f) for f in SKU_FORM_FIELDS + SKU_BOOL_FIELDS}
    for f, val in values.items():
        if val is None:
            values[f] = ""
        elif hasattr(val, "normalize") and f not in ("price",):
            values[f] = editing._as_text(val)
    return values


def _errors_by_field(err: DomainError) -> dict[str, DomainError]:
    return dict(err.fields) if isinstance(err, editing.FieldErrors) else {}


# --------------------------------------------------------------------------- list

@require_GET
@brand_staff_only
def product_list(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    state = request.GET.get("state", "")
    qs = editing.products_of(org).prefetch_related("skus", "images").order_by("-id")
    if state in Product.ReviewState.values:
        qs = qs.filter(review_state=state)
    products = list(qs[:500])
    pending = dict.fromkeys((cr.product_id for cr in ChangeRequest.objects.filter(
        product__in=products, state=ChangeRequest.State.PENDING).only("product_id")), True)
    rows = [{"p": p, "skus": list(p.skus.all()), "cover": next(iter(p.images.all()), None),
             "has_change": pending.get(p.pk, False)} for p in products]
    ctx = {"nav": "products", "rows": rows, "state": state,
           "states": Product.ReviewState.choices,
           "jobs": list(spreadsheet_io.jobs_of(org)[:5])}
    return render(request, "brand/products.html", ctx)


# --------------------------------------------------------------------------- create

@require_http_methods(["GET", "POST"])
@brand_staff_only
def product_create(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    try:
        count = min(MAX_SKU_ROWS, max(1, int(request.POST.get("sku_rows")
                                             or request.GET.get("rows") or 1)))
    except ValueError:
        count = 1
    values: dict[str, Any] = {"origin_country": org.country or ""}
    sku_values: list[dict[str, Any]] = [{} for _ in range(count)]
    errors: dict[str, DomainError] = {}
    error: DomainError | None = None
    if request.method == "POST":
        values = {f: request.POST.get(f, "").strip() for f in
                  ("name", "name_en", "description", "description_en", "origin_country",
                   "category", "seller", "brand")}
        sku_values = [_sku_from_post(request.POST, f"sku{i}-") for i in range(count)]
        filled = [s for s in sku_values if any(v for k, v in s.items()
                                               if k not in SKU_BOOL_FIELDS)]
        try:
            product = editing.create_product(org, request.user, values, filled,
                                             submit=request.POST.get("submit") == "review")
        except DomainError as err:
            error, errors = err, _errors_by_field(err)
            log.info("brand product create refused: %s %s", err.code, sorted(errors))
        else:
            messages.success(request, _("Product saved"))
            return redirect(reverse("brand:products_detail", args=[product.pk]))
    sku_rows = [{"i": i, "n": i + 1, "p": f"sku{i}-",
                 "v": sku_values[i] if i < len(sku_values) else {},
                 "e": {k.split(".", 1)[1]: e for k, e in errors.items()
                       if k.startswith(f"sku{i}.")}} for i in range(count)]
    ctx = {"nav": "products", "values": values, "errors": errors, "error": error,
           "sku_rows": sku_rows, "sku_count": count, "more_rows": min(MAX_SKU_ROWS, count + 1),
           "sellers": editing.sellers_for(org), "brands": editing.brands_for(org),
           "org_kind": org.kind, **_choices()}
    return render(request, "brand/products_form.html", ctx,
                  status=error.status if error else 200)


# --------------------------------------------------------------------------- detail / edit

def _detail_ctx(request: HttpRequest, product: Product, **extra: Any) -> dict[str, Any]:
    images = list(product.images.all())
    return {"nav": "products", "p": product, "skus": list(product.skus.order_by("id")),
            "images": [{"row": im, "thumb": im.url(thumb=True),
                        "full": im.url()} for im in images],
            "changes": list(product.change_requests.select_related("sku")
                            .order_by("-requested_at")[:20]),
            "can_submit": product.review_state in (Product.ReviewState.DRAFT,
                                                   Product.ReviewState.REJECTED),
            "values": extra.pop("values", None) or {
                "name": product.name, "name_en": product.name_en,
                "description": product.description,
                "description_en": product.description_en,
                "origin_country": product.origin_country,
                "category": product.category.slug if product.category else ""},
            "errors": {}, **_choices(), **extra}


@require_http_methods(["GET", "POST"])
@brand_staff_only
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    if request.method == "POST":
        values = {f: request.POST.get(f, "").strip() for f in
                  ("name", "name_en", "description", "description_en", "origin_country",
                   "category")}
        try:
            _p, change = editing.update_product(_org(request), request.user, product.pk, values)
        except DomainError as err:
            product.refresh_from_db()
            return render(request, "brand/products_detail.html",
                          _detail_ctx(request, product, values=values, error=err,
                                      errors=_errors_by_field(err)), status=err.status)
        if change is not None:
            messages.info(request, _("Tax-relevant changes wait for an operator's review"))
        else:
            messages.success(request, _("Saved"))
        return redirect(reverse("brand:products_detail", args=[product.pk]))
    return render(request, "brand/products_detail.html", _detail_ctx(request, product))


@require_POST
@brand_staff_only
def product_submit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    try:
        editing.submit(_org(request), request.user, product.pk)
        messages.success(request, _("Sent to the operators for review"))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect(reverse("brand:products_detail", args=[product.pk]))


@require_http_methods(["GET", "POST"])
@brand_staff_only
def sku_edit(request: HttpRequest, product_id: int, sku_id: int | None = None) -> HttpResponse:
    product = _product(request, product_id)
    sku = None
    if sku_id is not None:
        sku = product.skus.filter(pk=sku_id).first()
        if sku is None:
            raise Http404("no such SKU")
    values = _sku_values(sku) if sku is not None else {}
    errors: dict[str, DomainError] = {}
    error = None
    if request.method == "POST":
        values = _sku_from_post(request.POST, "")
        try:
            if sku is None:
                _s, change = editing.create_sku(_org(request), request.user, product.pk, values)
            else:
                _s, change = editing.update_sku(_org(request), request.user, sku.pk, values)
        except DomainError as err:
            error, errors = err, _errors_by_field(err)
        else:
            if change is not None:
                messages.info(request, _("Tax-relevant changes wait for an operator's review"))
            else:
                messages.success(request, _("Saved"))
            return redirect(reverse("brand:products_detail", args=[product.pk]))
    ctx = {"nav": "products", "p": product, "sku": sku, "v": values, "e": errors,
           "error": error, **_choices()}
    return render(request, "brand/products_sku.html", ctx,
                  status=error.status if error else 200)


# --------------------------------------------------------------------------- images

@require_POST
@brand_staff_only
def image_upload(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    files = request.FILES.getlist("images")
    if not files:
        return _refused(request, CatalogError.NOT_AN_IMAGE.error())
    added = 0
    for upload in files:
        if upload.size is not None and upload.size > MAX_IMAGE_UPLOAD:
            return _refused(request, CatalogError.IMAGE_TOO_LARGE.error())
        try:
            editing.add_image(_org(request), request.user, product.pk,
                              upload.read(MAX_IMAGE_UPLOAD + 1))
        except DomainError as err:
            log.info("brand image upload refused: %s", err.code)
            if added:
                messages.success(request, _("%(n)s pictures added") % {"n": added})
            return _refused(request, err)
        added += 1
    messages.success(request, _("%(n)s pictures added") % {"n": added})
    return redirect(reverse("brand:products_detail", args=[product.pk]) + "#images")


@require_POST
@brand_staff_only
def image_action(request: HttpRequest, product_id: int, image_id: int,
                 action: str) -> HttpResponse:
    product = _product(request, product_id)
    try:
        if action == "delete":
            editing.delete_image(_org(request), request.user, product.pk, image_id)
        elif action in ("up", "down"):
            editing.move_image(_org(request), request.user, product.pk, image_id,
                               -1 if action == "up" else 1)
        else:
            raise Http404("unknown action")
    except DomainError as err:
        return _refused(request, err)
    return redirect(reverse("brand:products_detail", args=[product.pk]) + "#images")


# --------------------------------------------------------------------------- XLSX

def _xlsx(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


@require_GET
@brand_staff_only
def export_xlsx(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    return _xlsx(spreadsheet_io.export_workbook(org), f"products-{org.code or org.pk}.xlsx")


@require_GET
@brand_staff_only
def template_xlsx(request: HttpRequest) -> HttpResponse:
    return _xlsx(spreadsheet_io.template_workbook(), "products-template.xlsx")


@require_http_methods(["GET", "POST"])
@brand_staff_only
def import_start(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    error: DomainError | None = None
    report: list[dict[str, Any]] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise CatalogError.NOT_XLSX.error()
            if upload.size is not None and upload.size > spreadsheet_io.MAX_BYTES:
                raise CatalogError.SHEET_TOO_LARGE.error(size=upload.size)
            job = spreadsheet_io.start_import(org, request.user,
                                              upload.read(spreadsheet_io.MAX_BYTES + 1),
                                              upload.name or "")
        except spreadsheet_io.SheetRefused as err:
            error, report = err, [e.as_dict() for e in err.errors]
        except DomainError as err:
            error = err
        else:
            return redirect(reverse("brand:products_import_job", args=[job.pk]))
    ctx = {"nav": "products", "error": error, "report": report,
           "max_rows": spreadsheet_io.MAX_ROWS, "columns": spreadsheet_io.COLUMNS,
           "required": spreadsheet_io.REQUIRED_COLUMNS,
           "jobs": list(spreadsheet_io.jobs_of(org)[:10])}
    return render(request, "brand/products_import.html", ctx,
                  status=error.status if error else 200)


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    try:
        return spreadsheet_io.job_of(_org(request), job_id)
    except DomainError as err:
        raise Http404("no such import") from err


@require_GET
@brand_staff_only
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    template = ("brand/products_import_progress.html" if getattr(request, "htmx", False)
                else "brand/products_import_job.html")
    return render(request, template, {"nav": "products", "job": job,
                                      "running": job.state not in (ImportJob.State.DONE,
                                                                   ImportJob.State.FAILED)})


@require_GET
@brand_staff_only
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    return _xlsx(spreadsheet_io.report_workbook(job.errors or []), f"import-{job.pk}-errors.xlsx")


urlpatterns = [
    path("", product_list, name="products_list"),
    path("new/", product_create, name="products_create"),
    path("export.xlsx", export_xlsx, name="products_export"),
    path("template.xlsx", template_xlsx, name="products_template"),
    path("import/", import_start, name="products_import"),
    path("import/<int:job_id>/", import_job, name="products_import_job"),
    path("import/<int:job_id>/errors.xlsx", import_report, name="products_import_report"),
    path("<int:product_id>/", product_detail, name="products_detail"),
    path("<int:product_id>/submit/", product_submit, name="products_submit"),
    path("<int:product_id>/skus/new/", sku_edit, name="products_sku_create"),
    path("<int:product_id>/skus/<int:sku_id>/", sku_edit, name="products_sku_edit"),
    path("<int:product_id>/images/", image_upload, name="products_images"),
    path("<int:product_id>/images/<int:image_id>/<slug:action>/", image_action,
         name="products_image_action"),
]
