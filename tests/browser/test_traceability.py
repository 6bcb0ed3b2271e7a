"""Issue 11 end to end in real Chromium: the brand generates unit codes (one
carton) for an ASN; warehouse staff receive the carton by scanning its SSCC; a
buyer's order is cleared, packed by scanning its units, shipped and delivered;
the buyer opens the unit's Digital Link and sees the whole journey and the
authorization chain; a second check warns that the code was checked before; an
unknown serial is called not genuine; the probes show on the brand's risk page.

Screenshots: test-artifacts/browser/t*.png."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from tests.browser.test_leader_flow import BUYERS, _buy_from_product_page, _login_as

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_code_per_unit_end_to_end(server, browser_page, shot):
    from shequn.accounts.models import User
    from shequn.brands import chain
    from shequn.core import outbox
    from shequn.demo.seeding import seed
    from shequn.logistics import inbound
    from shequn.logistics.models import ASN
    from shequn.orders.models import Order
    from shequn.shops.models import Listing
    from shequn.shops.tokens import make_share_token
    from shequn.trace.models import CodeBatch, Scan, Signal, UnitCode
    from tests.builders.outbound import run_all

    data = seed()
    koala = data.brands["koala"]
    sku = data.skus["KD-IF3-900"]
    warehouse = data.warehouses["HZXS-1210"]
    admin = User.objects.get(username="koala-admin")
    # The coded lot expires first, so the pick list takes it (FEFO) and its unit
    # is scanned into the parcel (the demo's own lots of the SKU have no codes).
    first = min(sku.batches.exclude(expiry=None).values_list("expiry", flat=True))
    asn = inbound.create_asn(admin, koala, warehouse_id=warehouse.pk,
                             expected_date=chain.today(), ems_no=warehouse.ems_no,
                             lines=[inbound.LineIn(sku=sku.code, lot="IF3-2701", qty=2,
                                                   expiry=first - dt.timedelta(days=1))])
    page = browser_page
    base = server.url

    # 1. The brand generates codes for the ASN line: two units in one carton.
    page.set_viewport_size(DESKTOP)
    _login_as(page, base, admin)
    page.goto(f"{base}/brand/codes/")
    form = page.locator("[data-testid=codes-form]")
    form.locator("select[name=asn_line]").select_option(str(asn.lines.get().pk))
    form.locator("input[name=per_carton]").fill("2")
    shot("t01-brand-codes-form")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/brand/codes/[0-9a-f-]+/$"))
    outbox.drain()
    page.reload()
    page.locator("#codes-progress[data-state=done]").wait_for()
    shot("t02-brand-codes-done")
    batch = CodeBatch.objects.get(asn=asn)
    assert batch.generated == 2 and batch.cartons.count() == 1
    body = page.request.get(f"{base}/brand/codes/{batch.pk}/codes.csv").text()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 2
    assert page.request.get(f"{base}/brand/codes/{batch.pk}/labels.pdf").body()[:4] == b"%PDF"
    sscc = rows[0]["carton_sscc"]

    # 2. Warehouse staff receive the carton by scanning it on a phone.
    page.set_viewport_size(PHONE)
    _login_as(page, base, User.objects.get(username="warehouse"))
    page.goto(f"{base}/warehouse/asn/{asn.pk}/")
    page.fill("#scan-code", sscc)
    page.press("#scan-code", "Enter")
    page.locator("#asn-lines input[name=counted][value='2']").wait_for()
    shot("t03-warehouse-carton-received")
    page.click("#complete-receipt")
    page.wait_for_load_state("load")
    asn.refresh_from_db()
    assert asn.status == ASN.Status.RECEIVED
    assert UnitCode.objects.filter(batch=batch, state="received").count() == 2

    # 3. A buyer buys one unit through the leader's link; customs clears it.
    listing = Listing.objects.get(shop=data.shop, product=sku.product, active=True)
    page.context.clear_cookies()
    page.goto(f"{base}/t/{make_share_token(data.shop, listing=listing, channel='link')}/")
    page.wait_for_url(re.compile(rf"/p/{sku.product_id}/"))
    assert page.locator("[data-testid=verify-link]").count() == 1
    phone, id_number, name = BUYERS[1]
    number = _buy_from_product_page(page, base, phone, id_number, name, shot, "t04-buyer")
    order = Order.objects.get(number=number)
    run_all()
    order.refresh_from_db()
    assert order.cleared_at is not None and order.warehouse_id == warehouse.pk

    # 4. The warehouse picks, packs by scanning the unit, ships.
    _login_as(page, base, User.objects.get(username="warehouse"))
    page.goto(f"{base}/warehouse/out/")
    page.click(f"#make-pick-{order.warehouse_id}")
    page.wait_for_url(re.compile(r"/warehouse/out/pick/\d+/$"))
    page.click("#picked")
    page.wait_for_load_state("load")
    unit = UnitCode.objects.filter(batch=batch).order_by("pk").first()
    pack = page.locator(f"form[action*='/pack/{order.pk}/']:not([action$='/scan/'])")
    pack.locator("input[name=weight]").fill("1.02")
    pack.locator("button[type=submit]").click()  # refused: the unit is not scanned yet
    page.wait_for_load_state("load")
    order.refresh_from_db()
    assert order.shipment.packed_at is None
    page.goto(f"{base}/warehouse/out/pick/{order.shipment.pick_list_id}/")
    scan = page.locator(f"#unit-scan-{order.number}")
    scan.fill(rows[0]["digital_link"] if rows[0]["serial"] == unit.serial
              else rows[1]["digital_link"])
    scan.press("Enter")
    page.wait_for_load_state("load")
    shot("t05-warehouse-unit-scanned")
    unit.refresh_from_db()
    assert unit.order_line.order_id == order.pk and unit.state == "picked"
    pack = page.locator(f"form[action*='/pack/{order.pk}/']:not([action$='/scan/'])")
    pack.locator("input[name=weight]").fill("1.02")
    pack.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    page.goto(f"{base}/warehouse/out/")
    page.fill("#packed input[name=vehicle]", "浙A12345")
    page.click(f"#make-exit-{order.warehouse_id}")
    page.wait_for_url(re.compile(r"/warehouse/out/exit/\d+/$"))
    page.click("#ship")
    page.wait_for_load_state("load")
    page.goto(f"{base}/warehouse/out/carrier-sim/")
    page.click("#sim-finish")
    page.wait_for_load_state("load")
    run_all()
    order.refresh_from_db()
    assert order.state == Order.State.DELIVERED

    # 5. The buyer scans the unit: the whole journey and the chain.
    page.context.clear_cookies()
    link = next(r["digital_link"] for r in rows if r["serial"] == unit.serial)
    path = link[link.index("/01/"):]
    page.goto(f"{base}{path}")
    assert page.locator("[data-testid=first-check]").count() == 1
    journey = page.locator("[data-testid=journey]")
    steps = journey.locator("li").evaluate_all("els => els.map(e => e.dataset.step)")
    for step in ("coded", "packed", "shipped_in", "received", "cleared", "picked",
                 "shipped_out", "delivered"):
        assert step in steps, (step, steps)
    assert order.city in journey.inner_text()
    assert "品牌方" in page.locator("[data-testid=chain]").inner_text()
    shot("t06-verify-journey")

    # 6. A second check warns.
    page.reload()
    warning = page.locator("[data-testid=repeat-warning]")
    assert "此码已被查询 2 次，首次于" in warning.inner_text()
    shot("t07-verify-repeat")
    # Sharing the city is answered in place: no reload, so no extra check.
    page.click("[data-testid=consent]")
    page.locator("[data-testid=consent-form][data-consented='1']").wait_for()
    assert "此码已被查询 2 次" in warning.inner_text()
    assert Scan.objects.filter(unit=unit).count() == 2
    shot("t07a-verify-consented")
    # The consent form links to the privacy notice, which says how long a city is kept.
    page.click("a[href='/privacy/']")
    assert "天后删除" in page.locator("[data-testid=city-retention]").inner_text()
    shot("t07b-privacy")

    # 7. Unknown serials are not genuine (three probes of Koala's GTIN).
    for n in range(3):
        page.goto(f"{base}/01/{unit.gtin}/10/{batch.lot}/21/FAKE{n:08d}")
        assert page.locator("[data-testid=counterfeit-warning]").count() == 1
    shot("t08-verify-counterfeit")
    page.fill("input[name=where]", "某微信群")
    page.click("[data-testid=report]")
    page.locator("[data-testid=reported]").wait_for()

    # 8. The brand's risk page shows the signal.
    assert Signal.objects.filter(kind="probes", org=koala).exists()
    page.set_viewport_size(DESKTOP)
    _login_as(page, base, admin)
    page.goto(f"{base}/brand/risk/")
    assert page.locator("[data-testid=signal][data-kind=probes]").count() == 1
    shot("t09-brand-risk")
