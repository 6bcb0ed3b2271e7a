"""Authorization grant pages: the brand console (/brand/grants/), the ops review
queue (/ops/grants/), the private document, and what the buyer sees (the
chain on the product page, 暂停销售 when it is broken)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from shequn.brands import grants
from shequn.brands.models import Grant, GrantLog
from shequn.catalog.models import Organization
from shequn.shops import services as shops
from tests.builders import leader_and_shop, make_buyable, make_operator, make_org
from tests.builders.chain import PDF, brand_admin

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


@pytest.fixture
def parties():
    brand = make_org(Organization.Kind.BRAND)
    importer = make_org(Organization.Kind.EBC)
    return {"brand": brand, "importer": importer, "admin": brand_admin(brand),
            "imp_staff": brand_admin(importer, role="brand_staff"), "ops": make_operator()}


def _post_new(c, p, **overrides):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"brand": p["brand"].pk, "grantee": p["importer"].pk, "scope": "all",
            "valid_from": "2026-01-01", "valid_to": "2099-12-31",
            "document": SimpleUploadedFile("授权书.pdf", PDF, "application/pdf")}
    data.update(overrides)
    return c.post("/brand/grants/new/", data)


def test_brand_admin_creates_operator_approves_both_see_the_hash(parties):
    p = parties
    c = _client(p["admin"])
    assert c.get("/brand/grants/").status_code == 200
    assert c.get("/brand/grants/new/").status_code == 200
    resp = _post_new(c, p)
    assert resp.status_code == 302, resp.content[:500]
    grant = Grant.objects.get()
    digest = hashlib.sha256(PDF).hexdigest()
    page = c.get(f"/brand/grants/{grant.pk}/").content.decode()
    assert digest in page and 'data-testid="grant-log"' in page
    ops = _client(p["ops"])
    queue = ops.get("/ops/grants/").content.decode()
    assert f"/ops/grants/{grant.pk}/" in queue
    assert digest in ops.get(f"/ops/grants/{grant.pk}/").content.decode()
    assert ops.get(f"/ops/grants/{grant.pk}/document/").status_code == 200
    assert ops.post(f"/ops/grants/{grant.pk}/approve/", {"note": "ok"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "active"
    # The history names actions and statuses in the reader's language, not by code.
    log = ops.get(f"/ops/grants/{grant.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    log = log.split('data-testid="grant-log"')[1].split("</table>")[0]
    assert 'data-action="approve">Approved<' in log and "Pending review → Active" in log
    assert "pending →" not in log
    # The grantee's staff see it and may download the document.
    imp = _client(p["imp_staff"])
    assert digest in imp.get(f"/brand/grants/{grant.pk}/").content.decode()
    doc = imp.get(f"/brand/grants/{grant.pk}/document/")
    assert doc.status_code == 200 and b"".join(doc.streaming_content) == PDF
    assert doc["X-Content-Type-Options"] == "nosniff"
    # The grantor's admin suspends it from the detail page.
    assert c.post(f"/brand/grants/{grant.pk}/suspend/", {"note": "x"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "suspended"


def test_bad_upload_is_refused_with_its_code_and_nothing_written(parties):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = _client(parties["admin"])
    resp = _post_new(c, parties, document=SimpleUploadedFile("x.pdf", b"MZ\x90\x00", "x/y"))
    assert resp.status_code == 415
    assert 'data-code="document_not_allowed"' in resp.content.decode()
    resp = _post_new(c, parties, valid_from="2099-12-31", valid_to="2026-01-01")
    assert resp.status_code == 422 and "grant_dates_reversed" in resp.content.decode()
    assert not Grant.objects.exists() and not GrantLog.objects.exists()


def test_another_brand_cannot_see_or_download_or_act(parties):
    p = parties
    grant = grants.create_grant(p["admin"], grantor=p["brand"], grantee=p["importer"],
                                brand=p["brand"], valid_from="2026-01-01",
                                valid_to="2099-12-31", document=PDF, document_name="a.pdf")
    other = brand_admin(make_org(Organization.Kind.BRAND))
    c = _client(other)
    assert c.get(f"/brand/grants/{grant.pk}/").status_code == 404
    assert c.get(f"/brand/grants/{grant.pk}/document/").status_code == 404
    assert c.post(f"/brand/grants/{grant.pk}/revoke/").status_code == 404
    assert f"/brand/grants/{grant.pk}/" not in c.get("/brand/grants/").content.decode()
    grant.refresh_from_db()
    assert grant.status == "pending"
    # Leaders and buyers are refused the consoles.
    leader, _ = leader_and_shop()
    assert _client(leader).get(f"/ops/grants/{grant.pk}/document/").status_code in (302, 403)
    assert _client(leader).get("/brand/grants/").status_code in (302, 403)


def test_product_page_shows_the_chain_or_sales_paused():
    leader, shop = leader_and_shop()
    sku = make_buyable()
    shops.add_listing(shop, leader, sku.product)
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = c.get(f"/s/{shop.slug}/p/{sku.product_id}/").content.decode()
    assert 'data-testid="chain"' in page and "Brand owner" in page
    # An English page names the chain's organizations in English (catalog.names).
    assert sku.product.brand.name_en in page and sku.product.seller.name_en in page
    assert sku.product.brand.name not in page and sku.product.seller.name not in page
    zh_page = Client().get(f"/s/{shop.slug}/p/{sku.product_id}/").content.decode()
    assert sku.product.brand.name in zh_page and sku.product.seller.name in zh_page
    assert 'data-testid="sales-paused"' not in page
    grant = Grant.objects.get(grantee=sku.product.seller)
    grants.revoke(grant.pk, make_operator(), "x")
    page = c.get(f"/s/{shop.slug}/p/{sku.product_id}/").content.decode()
    assert 'data-testid="sales-paused"' in page and "Sales paused" in page
    assert 'id="add-to-cart"' not in page
    shop_page = c.get(f"/s/{shop.slug}/").content.decode()
    assert 'data-testid="card-paused"' in shop_page
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.get(f"/s/{shop.slug}/p/{sku.product_id}/").status_code == 200
