"""Brand console product pages, the ops review queue, pictures in the store and the
cart, and the read-only catalog admin."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.catalog import editing, services
from shequn.catalog.models import SKU, ChangeRequest, ImportJob, Product
from shequn.core import outbox
from shequn.core.models import AuditLog, Notice
from shequn.shops.models import Listing
from tests.builders.people import leader_and_shop, make_operator, make_user
from tests.builders.products import (
    approved_product,
    brand_side,
    jpeg_with_exif,
    product_data,
    sheet_row,
    sku_data,
    use_tmp_image_storage,
    xlsx,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _form(side, **over) -> dict:
    sku = {f"sku0-{k}": ("on" if v is True else v) for k, v in sku_data().items()
           if v is not False}
    data = {"name": "页面商品", "name_en": "Page product", "origin_country": "116",
            "seller": str(side.seller.pk), "sku_rows": "1", "submit": "review", **sku}
    data.update(over)
    return data


def test_create_via_page_pending_then_ops_approve_then_sellable():
    side = brand_side()
    brand = _client(side.staff)
    assert brand.get("/brand/products/").status_code == 200
    assert brand.get("/brand/products/new/").status_code == 200
    resp = brand.post("/brand/products/new/", _form(side))
    assert resp.status_code == 302
    product = Product.objects.get(brand=side.brand)
    assert product.review_state == Product.ReviewState.PENDING
    sku = product.skus.get()
    with pytest.raises(Exception) as info:
        services.check_sellable(sku, 1, "1210")
    assert getattr(info.value, "code", "") == "product_not_approved"
    page = brand.get(f"/brand/products/{product.pk}/").content.decode()
    assert 'data-state="pending"' in page

    operator = make_operator()
    ops = _client(operator)
    queue = ops.get("/ops/reviews/")
    assert queue.status_code == 200 and f'data-product="{product.pk}"' in queue.content.decode()
    assert ops.post(f"/ops/reviews/products/{product.pk}/approve/",
                    {"note": "HS and units checked"}).status_code == 302
    product.refresh_from_db()
    assert product.review_state == Product.ReviewState.APPROVED
    services.check_sellable(SKU.objects.get(pk=sku.pk), 1, "1210")
    assert AuditLog.objects.filter(action="catalog.product_approve").exists()
    assert Notice.objects.filter(user=side.staff, kind="catalog.review").exists()


def test_form_shows_each_field_error_in_place():
    side = brand_side()
    resp = _client(side.staff).post("/brand/products/new/", _form(
        side, name="", **{"sku0-vat_rate": "0.5", "sku0-unit": "000"}))
    assert resp.status_code == 422
    html = resp.content.decode()
    assert 'data-field="name"' in html and 'data-code="required"' in html
    assert 'data-field="sku0-vat_rate"' in html and 'data-code="invalid_vat_rate"' in html
    assert 'data-code="invalid_unit"' in html
    assert not Product.objects.exists()


def test_tax_change_via_page_then_ops_approve_applies_reject_keeps():
    side = brand_side()
    operator = make_operator()
    product = approved_product(side, operator)
    sku = product.skus.get()
    brand = _client(side.staff)
    values = {k: ("on" if v is True else v) for k, v in sku_data(code=sku.code).items()
              if v is not False}
    values["vat_rate"] = "0.09"
    values["gtin"] = sku.gtin
    assert brand.post(f"/brand/products/{product.pk}/skus/{sku.pk}/", values).status_code == 302
    sku.refresh_from_db()
    assert str(sku.vat_rate) == "0.1300"
    cr = ChangeRequest.objects.get(sku=sku)
    assert f'data-change="{cr.pk}"' in brand.get(f"/brand/products/{product.pk}/").content.decode()
    ops = _client(operator)
    html = ops.get("/ops/reviews/").content.decode()
    assert 'data-field="vat_rate"' in html and 'data-testid="tax-effect"' in html
    from shequn.catalog.models import SKU

    label = str(SKU._meta.get_field("vat_rate").verbose_name)
    assert f'<td data-field="vat_rate">{label}</td>' in html  # the field's name, not its code
    ops.post(f"/ops/reviews/changes/{cr.pk}/approve/", {"note": "ok"})
    sku.refresh_from_db()
    assert str(sku.vat_rate) == "0.0900"
    values["vat_rate"] = "0.06"
    brand.post(f"/brand/products/{product.pk}/skus/{sku.pk}/", values)
    cr2 = ChangeRequest.objects.get(sku=sku, state="pending")
    ops.post(f"/ops/reviews/changes/{cr2.pk}/reject/", {"note": "no"})
    sku.refresh_from_db()
    assert str(sku.vat_rate) == "0.0900"


def test_another_brand_cannot_see_or_edit():
    side, other = brand_side(), brand_side()
    product = approved_product(side, make_operator())
    sku = product.skus.get()
    c = _client(other.staff)
    assert f'data-product="{product.pk}"' not in c.get("/brand/products/").content.decode()
    assert c.get(f"/brand/products/{product.pk}/").status_code == 404
    assert c.post(f"/brand/products/{product.pk}/", {"name": "x"}).status_code == 404
    assert c.get(f"/brand/products/{product.pk}/skus/{sku.pk}/").status_code == 404
    assert c.post(f"/brand/products/{product.pk}/submit/").status_code == 404
    assert c.post(f"/brand/products/{product.pk}/images/", {}).status_code == 404
    product.refresh_from_db()
    assert product.name != "x"
    # not brand staff at all: refused; an operator is refused the brand console
    assert _client(make_user("nobody")).get("/brand/products/").status_code == 403
    assert _client(make_operator()).get("/brand/products/").status_code == 403
    assert _client(side.staff).get("/ops/reviews/").status_code == 403


def test_images_upload_refuse_and_shown_in_store_and_cart(settings, tmp_path):
    use_tmp_image_storage(settings, tmp_path)
    side = brand_side()
    product = approved_product(side, make_operator())
    brand = _client(side.staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg")
    resp = brand.post(f"/brand/products/{product.pk}/images/", {"images": [bad]})
    assert resp.status_code == 415 and b'data-code="not_an_image"' in resp.content
    good = SimpleUploadedFile("a.jpg", jpeg_with_exif(), content_type="image/jpeg")
    assert brand.post(f"/brand/products/{product.pk}/images/",
                      {"images": [good]}).status_code == 302
    image = product.images.get()
    url = f"/media/products/{image.pk}-{image.sha256[:16]}/full.jpg"
    served = Client().get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert "public" in served["Cache-Control"]
    assert b"PhoneMaker" not in served.content
    assert Client().get(f"/media/products/{image.pk}-{'0' * 16}/full.jpg").status_code == 404

    leader, shop = leader_and_shop()
    Listing.objects.create(shop=shop, product=product, active=True)
    thumb = f"/media/products/{image.pk}-{image.sha256[:16]}/thumb.jpg"
    assert thumb in Client().get(f"/s/{shop.slug}/").content.decode()
    page = Client().get(f"/s/{shop.slug}/p/{product.pk}/")
    assert page.status_code == 200 and url in page.content.decode()
    # the cart, orders and checkout show lines through the same include
    from django.template.loader import render_to_string

    line_html = render_to_string("store/_product_img.html",
                                 {"product": Product.objects.get(pk=product.pk)})
    assert thumb in line_html
    # without a picture: the static illustration, as before
    bare = approved_product(side, make_operator())
    Product.objects.filter(pk=bare.pk).update(image="/static/img/products/x.svg")
    assert "/static/img/products/x.svg" in render_to_string(
        "store/_product_img.html", {"product": Product.objects.get(pk=bare.pk)})


def test_import_page_progress_and_report():
    side = brand_side()
    c = _client(side.staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = xlsx([sheet_row(side, "A", price="=1+1")])
    resp = c.post("/brand/products/import/", {"file": SimpleUploadedFile("f.xlsx", bad)})
    assert resp.status_code == 422 and b'data-code="sheet_formula"' in resp.content
    assert b'data-column="price"' in resp.content
    resp = c.post("/brand/products/import/", {"file": SimpleUploadedFile("f.csv", b"a,b")})
    assert resp.status_code == 415
    good = xlsx([sheet_row(side, "A"), sheet_row(side, "A", vat_rate="0.5")])
    resp = c.post("/brand/products/import/", {"file": SimpleUploadedFile("g.xlsx", good)})
    assert resp.status_code == 302
    job = ImportJob.objects.get()
    page = c.get(resp["Location"])
    assert b'hx-trigger="every 1s"' in page.content
    outbox.drain()
    fragment = c.get(resp["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="failed"' in fragment and "hx-trigger" not in fragment
    assert 'data-row="3"' in fragment and 'data-column="vat_rate"' in fragment
    report = c.get(f"/brand/products/import/{job.pk}/errors.xlsx")
    assert report.status_code == 200 and report.content.startswith(b"PK")
    other = brand_side()
    assert _client(other.staff).get(f"/brand/products/import/{job.pk}/").status_code == 404
    export = c.get("/brand/products/export.xlsx")
    assert export.status_code == 200 and export.content.startswith(b"PK")


def test_admin_is_read_only_for_catalog_models():
    side = brand_side()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()])
    admin = make_user("superadmin", is_staff=True, is_superuser=True)
    c = _client(admin)
    for model in ("product", "sku", "organization", "category", "positivelistline",
                  "productimage", "changerequest", "importjob"):
        assert c.get(f"/admin/catalog/{model}/add/").status_code == 403, model
    assert c.get(f"/admin/catalog/product/{product.pk}/change/").status_code == 200
    resp = c.post(f"/admin/catalog/product/{product.pk}/change/", {"name": "bypass"})
    assert resp.status_code == 403
    product.refresh_from_db()
    assert product.name != "bypass"
    assert c.post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"}).status_code \
        == 403


def test_the_english_name_is_entered_and_edited_in_the_product_form():
    """English pages show a product's English name: the brand enters it with the
    product and changes it later on the product's page (no review needed)."""
    side = brand_side()
    brand = _client(side.staff)
    assert 'name="name_en"' in brand.get("/brand/products/new/").content.decode()
    assert brand.post("/brand/products/new/", _form(side)).status_code == 302
    product = Product.objects.get(brand=side.brand)
    assert product.name_en == "Page product"
    page = f"/brand/products/{product.pk}/"
    assert 'name="name_en"' in brand.get(page).content.decode()
    resp = brand.post(page, {"name": product.name, "name_en": "Page product, 30 ml",
                             "origin_country": "116"})
    assert resp.status_code == 302
    product.refresh_from_db()
    assert product.name_en == "Page product, 30 ml"
    assert 'value="Page product, 30 ml"' in brand.get(page).content.decode()


@pytest.mark.parametrize("field", ["name", "description", "category", "seller", "sku0-gmodel",
                                   "sku0-code", "sku0-label_en"])
def test_nul_byte_in_product_form_is_a_field_error_not_a_500(field):
    # PostgreSQL text cannot hold NUL: it was a DataError (500) on create.
    side = brand_side()
    resp = _client(side.staff).post("/brand/products/new/", _form(side, **{field: "a\x00b"}))
    assert resp.status_code == 422
    assert not Product.objects.filter(brand=side.brand).exists()


def test_nul_byte_in_sku_edit_is_a_field_error_not_a_500():
    side = brand_side()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()])
    sku = product.skus.get()
    form = {k: ("on" if v is True else v) for k, v in sku_data(code=sku.code).items()
            if v is not False}
    resp = _client(side.staff).post(f"/brand/products/{product.pk}/skus/{sku.pk}/",
                                    {**form, "gmodel": "x\x00"})
    assert resp.status_code == 422
    sku.refresh_from_db()
    assert "\x00" not in sku.gmodel


def test_review_queue_names_the_consumption_tax_rule_and_content_unit() -> None:
    """The review queue showed the rule's code (``high_end_cosmetics``) and the
    content unit's code (``piece``) on Chinese and English pages alike."""
    from tests.web.language import page

    side = brand_side()
    editing.create_product(side.brand, side.staff, product_data(side),
                           [sku_data(net_content_unit="piece", net_content="1")], submit=True)
    ops = _client(make_operator())
    english = page(ops, "/ops/reviews/", "en")
    chinese = page(ops, "/ops/reviews/", "zh-hans")
    assert "high_end_cosmetics" not in english and "high_end_cosmetics" not in chinese
    assert "High-end cosmetics" in english and "高档化妆品" in chinese
    assert ">piece<" not in chinese.replace(" ", "") and "片/支" in chinese


def test_category_names_in_the_pages_language_on_the_product_form():
    # Categories had one name, written "母婴 Mother & baby" in the demo data: both
    # languages on every page that listed them.
    from shequn.catalog.models import Category

    Category.objects.create(slug="baby-en", name="母婴", name_en="Mother & baby")
    side = brand_side()
    brand = _client(side.staff)
    brand.cookies["django_language"] = "en"
    page = brand.get("/brand/products/new/").content.decode()
    assert ">Mother &amp; baby<" in page and "母婴" not in page
    brand.cookies["django_language"] = "zh-hans"
    page = brand.get("/brand/products/new/").content.decode()
    assert ">母婴<" in page and "Mother &amp; baby" not in page
