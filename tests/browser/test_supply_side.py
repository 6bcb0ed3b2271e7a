"""Issue 10 end to end in real Chromium: a brand admin signs in, creates a product
with pictures, authorizes its importer; the operator approves the grant and the
product; the importer's ASN (sent over the partner API with its key) is received
by warehouse staff with one discrepancy; a leader picks the product; a buyer sees
the authorization chain and buys it; customs releases the order; the warehouse
picks, packs (label with the carrier's waybill), records the zone exit and ships;
the carrier's route events reach "delivered" on the buyer's order page. Revoking
the grant unlists the product and the leader and the brand are told. The second
brand sees none of it.

Desktop size for the consoles, phone size for the buyer and the warehouse floor.
Screenshots: test-artifacts/browser/s*.png."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from tests.browser.test_leader_flow import BUYERS, _buy_from_product_page, _login_as

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
GTIN = "9312345000999"  # GS1 check digit 9


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 640), color).save(buf, "PNG")
    return buf.getvalue()


def _pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _password_sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/?mode=password")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) button[type=submit]").first.click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supply_side_end_to_end(server, browser_page, shot):
    from shequn.accounts.models import User
    from shequn.brands import apikeys, chain, grants
    from shequn.brands.models import Grant
    from shequn.catalog.models import Organization, Product
    from shequn.core import outbox
    from shequn.demo import seed_grants
    from shequn.demo.seeding import seed
    from shequn.logistics.models import ASN, Shipment
    from shequn.orders.models import Order
    from shequn.shops.models import Listing
    from tests.builders.outbound import run_all

    data = seed()
    koala = data.brands["koala"]
    importer = Organization.objects.get(code=seed_grants.IMPORTER_CODE)
    # A brand that has not authorized its importer yet: the demo's koala → importer
    # grant is withdrawn (the importer → seller grant stays).
    for g in Grant.objects.filter(brand=koala, grantor=koala, grantee=importer):
        grants.revoke(g.pk, data.operator, note="test setup: not yet authorized")
    outbox.drain()
    page = browser_page
    base = server.url
    page.set_viewport_size(DESKTOP)

    # 1. The brand admin signs in and lands on the brand console.
    _password_sign_in(page, base, "koala-admin", "koala-demo-2026")
    page.wait_for_url(f"{base}/brand/")
    page.wait_for_load_state("networkidle")
    shot("s01-brand-home")

    # 2. A new product with one SKU, saved as a draft; two pictures; submitted.
    page.goto(f"{base}/brand/products/new/")
    form = page.locator("#product-form")
    form.locator("select[name=seller]").select_option(str(data.seller.pk))
    form.locator("input[name=name]").fill("澳洲 Koala Dairy 有机婴幼儿配方奶粉 1段 800g")
    form.locator("input[name=name_en]").fill("Koala Dairy Organic Infant Formula Stage 1, 800 g")
    form.locator("select[name=origin_country]").select_option("601")
    form.locator("select[name=category]").select_option("baby")
    sku = {"code": "KD-ORG1-800", "gtin": GTIN, "price": "328.00",
           "gmodel": "Koala Dairy|1段有机婴儿配方奶粉|800g/罐|有机乳粉",
           "hs_code": "1901101010", "legal_qty1_per_unit": "0.8", "net_weight_kg": "0.8",
           "gross_weight_kg": "1.05", "net_content": "800"}
    for field, value in sku.items():
        form.locator(f"[name='sku0-{field}']").fill(value)
    form.locator("select[name='sku0-unit']").select_option("122")
    form.locator("select[name='sku0-legal_unit1']").select_option("035")
    form.locator("select[name='sku0-net_content_unit']").select_option("g")
    shot("s02-brand-new-product")
    form.locator("button[value=draft]").click()
    page.wait_for_url(re.compile(r"/brand/products/\d+/$"))
    product = Product.objects.get(skus__code="KD-ORG1-800")
    assert product.review_state == Product.ReviewState.DRAFT
    page.set_input_files("input[name=images]", [
        {"name": "front.png", "mimeType": "image/png", "buffer": _png((240, 230, 210))},
        {"name": "back.png", "mimeType": "image/png", "buffer": _png((200, 220, 240))}])
    page.locator("form:has(input[name=images]) button[type=submit]").click()
    page.wait_for_load_state("load")
    assert product.images.count() == 2
    page.click("[data-testid=submit-review]")
    page.wait_for_load_state("load")
    product.refresh_from_db()
    assert product.review_state == Product.ReviewState.PENDING
    shot("s03-brand-product-pending")

    # 3. The brand authorizes its importer, with the signed letter attached.
    page.goto(f"{base}/brand/grants/new/")
    gform = page.locator("[data-testid=grant-form]")
    gform.locator("select[name=brand]").select_option(str(koala.pk))
    gform.locator("select[name=grantee]").select_option(str(importer.pk))
    gform.locator("select[name=scope]").select_option("all")
    today = chain.today()
    gform.locator("input[name=valid_from]").fill(today.isoformat())
    gform.locator("input[name=valid_to]").fill((today + dt.timedelta(days=365)).isoformat())
    gform.locator("input[name=document]").set_input_files(
        {"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": _pdf()})
    shot("s04-brand-grant-form")
    gform.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/brand/grants/\d+/$"))
    grant = Grant.objects.get(brand=koala, grantee=importer, status=Grant.Status.PENDING)
    assert grant.document_sha256 in page.content()
    shot("s05-brand-grant-pending")

    # 4. The operator approves the grant and the product.
    _login_as(page, base, data.operator)
    page.goto(f"{base}/ops/grants/{grant.pk}/")
    page.locator("form[action$='/approve/'] button").click()
    page.wait_for_load_state("load")
    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE
    page.goto(f"{base}/ops/reviews/")
    shot("s06-ops-review-queue")
    approve = page.locator(f"form[action*='/reviews/products/{product.pk}/approve/']")
    approve.locator("input[name=note]").fill("资料齐全，准予上架")
    approve.locator("button").click()
    page.wait_for_load_state("load")
    product.refresh_from_db()
    assert product.review_state == Product.ReviewState.APPROVED
    new_sku = product.skus.get()
    assert chain.covered_sku_ids([new_sku.pk]) == {new_sku.pk}

    # 5. The importer sends its ASN over the partner API with its own key.
    _, key = apikeys.create_key(importer, ["asn", "stock"], name="importer WMS")
    bonded = data.warehouses["HZXS-1210"] if "HZXS-1210" in data.warehouses else next(
        w for w in data.warehouses.values() if w.trade_mode == "1210")
    api = Client()
    resp = api.post("/api/v1/partner/stock/asns", content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {key}", data={
                        "warehouse": bonded.pk, "expected_date": today.isoformat(),
                        "ems_no": bonded.ems_no, "bond_invt_no": "QD330120261206000001",
                        "lines": [{"sku": GTIN, "lot": "ORG1-2612", "expiry": "2028-06-30",
                                   "qty": 10}]})
    assert resp.status_code == 201, resp.content
    asn = ASN.objects.get(number=resp.json()["number"])

    # 6. Warehouse staff receive it on a phone: three scans with the barcode gun,
    # then the count of 9 (one short) with the reason, then complete.
    page.set_viewport_size(PHONE)
    _login_as(page, base, User.objects.get(username="warehouse"))
    page.goto(f"{base}/warehouse/")
    shot("s07-warehouse-home")
    page.goto(f"{base}/warehouse/asn/{asn.pk}/")
    line = page.locator("#asn-lines tr").filter(has_text="KD-ORG1-800")
    for n in (1, 2, 3):
        page.fill("#scan-code", GTIN)
        page.press("#scan-code", "Enter")
        line.locator(f"input[name=counted][value='{n}']").wait_for()
    line_form = line.locator("form")
    line_form.locator("input[name=counted]").fill("9")
    line_form.locator("input[name=reason]").fill("到货少 1 罐")
    line_form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    shot("s08-warehouse-receiving")
    page.click("#complete-receipt")
    page.wait_for_load_state("load")
    asn.refresh_from_db()
    assert asn.status == ASN.Status.RECEIVED
    from shequn.inventory.selectors import available
    assert available(new_sku.pk, bonded.pk) == 9
    shot("s09-warehouse-received")

    # The brand sees the receipt and its discrepancy.
    page.set_viewport_size(DESKTOP)
    _login_as(page, base, User.objects.get(username="koala-admin"))
    page.goto(f"{base}/brand/stock/")
    assert asn.number in page.content()
    shot("s10-brand-stock")

    # 7. The leader picks the product.
    _login_as(page, base, data.leader)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/leader/products/")
    row = page.locator(f"#product-{product.pk}")
    row.locator("button[type=submit]").click()
    page.locator(f"#product-{product.pk}[data-listed='1']").wait_for()
    shot("s11-leader-picked")
    listing = Listing.objects.get(shop=data.shop, product=product, active=True)

    # 8. A buyer opens the leader's share link, sees the chain and buys.
    from shequn.shops.tokens import make_share_token

    page.context.clear_cookies()
    page.goto(f"{base}/t/{make_share_token(data.shop, listing=listing, channel='link')}/")
    page.wait_for_url(re.compile(rf"/p/{product.pk}/"))
    chain_box = page.locator("[data-testid=chain]")
    assert "品牌方" in chain_box.inner_text() and "进口商" in chain_box.inner_text()
    assert importer.name in chain_box.inner_text()
    assert page.locator("#fefo-expiry").count() == 1  # formula: the batch's expiry
    shot("s12-buyer-product-chain")
    phone, id_number, name = BUYERS[0]
    number = _buy_from_product_page(page, base, phone, id_number, name, shot, "s13-buyer")
    order = Order.objects.get(number=number)
    assert order.leader_id == data.leader.pk

    # 9. Customs clears it (the embedded single-window simulator answers 800) with
    # the carrier's waybill on CEB511.
    run_all()
    order.refresh_from_db()
    assert order.cleared_at is not None
    shipment = Shipment.objects.get(order=order)
    assert re.fullmatch(r"SF\d{13}", shipment.waybill_no)

    # 10. The warehouse picks (FEFO), packs with the label, records the exit, ships.
    _login_as(page, base, User.objects.get(username="warehouse"))
    page.goto(f"{base}/warehouse/out/")
    page.click(f"#make-pick-{order.warehouse_id}")
    page.wait_for_url(re.compile(r"/warehouse/out/pick/\d+/$"))
    shot("s14-warehouse-pick")
    page.click("#picked")
    page.wait_for_load_state("load")
    pack = page.locator(f"form[action*='/pack/{order.pk}/']")
    pack.locator("input[name=weight]").fill("1.12")
    pack.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    label = page.request.get(f"{base}/warehouse/out/label/{order.pk}.pdf")
    assert label.ok and label.body().startswith(b"%PDF")
    page.goto(f"{base}/warehouse/out/")
    page.fill("#packed input[name=vehicle]", "浙A12345")
    page.click(f"#make-exit-{order.warehouse_id}")
    page.wait_for_url(re.compile(r"/warehouse/out/exit/\d+/$"))
    shot("s15-warehouse-exit")
    page.click("#ship")
    page.wait_for_load_state("load")
    order.refresh_from_db()
    assert order.state == Order.State.SHIPPED

    # 11. The carrier's route events (simulator) reach the buyer's order page.
    page.goto(f"{base}/warehouse/out/carrier-sim/")
    page.click("#sim-finish")
    page.wait_for_load_state("load")
    run_all()
    order.refresh_from_db()
    assert order.state == Order.State.DELIVERED and order.delivered_at is not None
    buyer = order.user
    _login_as(page, base, buyer)
    page.goto(f"{base}/orders/{order.number}/")
    tracking = page.locator("[data-testid=logistics]")
    assert shipment.waybill_no in tracking.inner_text()
    assert "签收" in tracking.inner_text()
    shot("s16-buyer-tracking-delivered")

    # 12. The brand revokes the grant: the product is unlisted, 暂停销售 in the
    # store, and the leader and the brand are told.
    page.set_viewport_size(DESKTOP)
    _login_as(page, base, User.objects.get(username="koala-admin"))
    page.goto(f"{base}/brand/grants/{grant.pk}/")
    revoke = page.locator(f"form[action='/brand/grants/{grant.pk}/revoke/']")
    revoke.locator("input[name=note]").fill("合作终止")
    revoke.locator("button").click()
    page.wait_for_load_state("load")
    grant.refresh_from_db()
    assert grant.status == Grant.Status.REVOKED
    outbox.drain()
    listing.refresh_from_db()
    assert not listing.active
    page.goto(f"{base}/brand/notices/")
    assert page.locator("[data-testid=notice]").count() >= 1
    shot("s17-brand-notices")
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/s/{data.shop.slug}/p/{product.pk}/")
    assert "暂停销售" in page.locator("[data-testid=sales-paused]").inner_text()
    shot("s18-store-paused")
    _login_as(page, base, data.leader)
    page.goto(f"{base}/leader/notices/")
    assert product.name in page.locator("[data-testid=notices]").inner_text()
    shot("s19-leader-notices")

    # 13. The second brand sees none of it.
    page.set_viewport_size(DESKTOP)
    _password_sign_in(page, base, "sakura-admin", "sakura-demo-2026")
    page.wait_for_url(f"{base}/brand/")
    for path in ("/brand/", "/brand/products/", "/brand/grants/", "/brand/stock/"):
        page.goto(f"{base}{path}")
        html = page.content()
        assert product.name not in html and asn.number not in html, path
        assert grant.document_sha256 not in html, path
    for path in (f"/brand/products/{product.pk}/", f"/brand/grants/{grant.pk}/",
                 f"/brand/grants/{grant.pk}/document/"):
        assert page.request.get(f"{base}{path}").status == 404, path
    shot("s20-second-brand")
