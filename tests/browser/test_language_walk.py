"""A walk through every audience's pages (buyers, a buyer checking a code,
leaders, operators, brands, warehouse staff) in real Chromium, once in Chinese and once
in English (the browser's own language, as a buyer's phone sends it), at phone and
desktop sizes: each page, as rendered after its scripts ran, shows one language
only, and a screenshot of each lands in test-artifacts/browser/<language>/."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import ARTIFACTS, CHROMIUM, LAUNCH_ARGS
from tests.web.language import other_language

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


def _journeys():
    """(who signs in, [(name, url, viewport[, status])]) per audience, on the demo
    data set with a declared order, a delivered one, a leader's sales and a coded
    ASN received at the bonded warehouse."""
    from shequn.core import outbox
    from shequn.demo import seeding as demo
    from shequn.orders import services as order_services
    from shequn.shops.models import Listing
    from tests.builders import make_buyer, place_paid_order

    data = demo.seed()
    buyer = make_buyer()
    serum = data.skus["SB-SERUM-30"]
    listing = Listing.objects.get(shop=data.shop, product=serum.product)
    declared = place_paid_order(buyer, serum, shop=data.shop, listing=listing)
    outbox.drain()
    delivered = place_paid_order(buyer, data.skus["KH-MANUKA-500"], shop=data.shop)
    order_services.mark_cleared(delivered.pk)
    order_services.mark_shipped(delivered.pk, data.operator)
    order_services.mark_delivered(delivered.pk, data.operator)
    cart = Client()
    cart.force_login(buyer)
    added = cart.post(reverse("store:cart_add"),
                      {"sku_id": serum.pk, "qty": 1, "listing_id": listing.pk})
    assert added.status_code in (200, 302)
    shop = reverse("store:shop", kwargs={"slug": data.shop.slug})
    product = reverse("store:product", kwargs={"slug": data.shop.slug,
                                               "product_id": serum.product_id})
    store = [("s01-shop", shop, PHONE), ("s02-product", product, PHONE),
             ("s03-cart", reverse("store:cart"), PHONE),
             ("s04-checkout", reverse("store:checkout"), PHONE),
             ("s05-orders", reverse("store:orders"), PHONE),
             ("s06-order-declared", reverse("store:order", args=[declared.number]), PHONE),
             ("s07-return-form", reverse("store:order_return", args=[delivered.number]), PHONE),
             ("s08-me", reverse("store:me"), PHONE)]
    leader = [(f"l{i:02d}-{name}", reverse(f"leader:{name}"), PHONE) for i, name in
              enumerate(("home", "products", "share", "orders", "customers", "team",
                         "earnings"), 1)]
    ops = [(f"o{i:02d}-{name}", reverse(f"ops:{name}"), size) for i, (name, size) in
           enumerate((("dashboard", DESKTOP), ("orders", DESKTOP), ("customs", DESKTOP),
                      ("leaders", DESKTOP), ("fission", DESKTOP), ("withdrawals", DESKTOP),
                      ("dashboard", PHONE)), 1)]
    ops[-1] = ("o07-dashboard-phone", ops[-1][1], PHONE)
    ops.insert(2, ("o02b-order", reverse("ops:order", args=[declared.number]), DESKTOP))
    ops += [(f"o{i:02d}-{name}", reverse(f"ops:{name}"), DESKTOP) for i, name in
            enumerate(("risk", "orgs", "grants", "reviews", "settlement", "audit"), 8)]
    return [(None, [("a01-login", reverse("account:login"), PHONE), ("a02-shop", shop, PHONE)]
             + _verify_pages()),
            (buyer, store), (data.leader, leader), (data.operator, ops),
            (_koala_admin(data), _brand_pages()), (_warehouse_user(), _warehouse_pages())]


def _demo_batch():
    from shequn.demo import seed_trace
    from shequn.trace.models import CodeBatch

    return CodeBatch.objects.get(asn__reference=seed_trace.REF)


def _verify_pages():
    """What a buyer who scans a tin's QR code sees (the demo's coded formula):
    the check page, a second check, an unknown serial of the same GTIN (404,
    the counterfeit warning) and the privacy notice."""
    from shequn.trace.models import UnitCode

    batch = _demo_batch()
    unit = UnitCode.objects.filter(batch=batch).order_by("pk").first()
    assert unit is not None
    check = reverse("verify:unit", kwargs={"gtin": unit.gtin, "lot": batch.lot,
                                           "serial": unit.serial})
    unknown = reverse("verify:unit", kwargs={"gtin": unit.gtin, "lot": batch.lot,
                                             "serial": "NOTAREALCODE1"})
    return [("v01-entry", reverse("verify:entry"), PHONE), ("v02-check", check, PHONE),
            ("v03-check-again", check, PHONE), ("v04-unknown", unknown, PHONE, 404),
            ("v05-privacy", reverse("verify:privacy"), PHONE)]


def _koala_admin(data):
    """An admin of the brand whose formula the demo coded (the demo's
    ``brand_user`` runs another brand)."""
    from shequn.brands.selectors import staff_of

    return staff_of(data.brands["koala"])[0]


def _brand_pages():
    batch = _demo_batch()
    pages = [(f"b{i:02d}-{name}", reverse(f"brand:{name}"), DESKTOP) for i, name in
             enumerate(("home", "products_list", "grants", "stock", "codes", "risk",
                        "team", "team_keys"), 1)]
    return pages + [
        ("b09-asn", reverse("brand:asn", args=[batch.asn_id]), DESKTOP),
        ("b10-codes-batch", reverse("brand:codes_detail", args=[batch.pk]), DESKTOP),
        ("b11-home-phone", reverse("brand:home"), PHONE)]


def _warehouse_user():
    from django.contrib.auth import get_user_model

    from shequn.demo.seed_people import WAREHOUSE_LOGIN

    return get_user_model().objects.get(username=WAREHOUSE_LOGIN[0])


def _warehouse_pages():
    """The bonded warehouse's pages, on the phone-sized scanner where staff
    receive and pack, and at a desk."""
    batch = _demo_batch()
    return [("w01-home", reverse("warehouse:home"), PHONE),
            ("w02-asn", reverse("warehouse:asn", args=[batch.asn_id]), PHONE),
            ("w03-codes", reverse("warehouse:codes_detail", args=[batch.pk]), PHONE),
            ("w04-stock", reverse("warehouse:stock"), DESKTOP),
            ("w05-expiry", reverse("warehouse:expiry"), DESKTOP),
            ("w06-outbound", reverse("warehouse:out_index"), PHONE)]


def _session_cookie(user, base: str) -> list[dict]:
    client = Client()
    client.force_login(user)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_shows_one_language_in_the_browser(server, language):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    journeys = _journeys()
    out = ARTIFACTS / language
    out.mkdir(parents=True, exist_ok=True)
    wrong: dict[str, list[str]] = {}
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            for user, pages in journeys:
                context = browser.new_context(locale=LOCALES[language], viewport=PHONE)
                if user is not None:
                    context.add_cookies(_session_cookie(user, server.url))
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
                for name, url, size, *status in pages:
                    page.set_viewport_size(size)
                    response = page.goto(server.url + url)
                    assert response is not None and response.status == (status or [200])[0], (
                        url, response)
                    page.wait_for_load_state("networkidle")
                    # Folded sections (the address form and its region picker) open,
                    # so their labels are checked and seen too.
                    page.evaluate("document.querySelectorAll('details')"
                                  ".forEach(function (d) { d.open = true; })")
                    assert page.locator("html").get_attribute("lang") == language, url
                    found = other_language(page.content(), language)
                    if found:
                        wrong[url] = found[:10]
                    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                context.close()
            browser.close()
    finally:
        connections.close_all()
    assert not errors, errors
    assert not wrong, "\n".join(f"{url}: {words}" for url, words in wrong.items())
