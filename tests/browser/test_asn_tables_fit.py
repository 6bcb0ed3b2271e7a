"""The ASN pages of the brand and warehouse consoles fit a phone: at 390 px the page
never scrolls sideways and no table is wider than its card. Their wide tables
(``c-table c-table-cards``) turn each row into a stacked card there, every cell
labelled by its column's header (``data-label``, translated like the header); at a
desk they stay plain tables. In Chinese and in English (the longer labels).
Screenshots: test-artifacts/browser/phone-*.png and desk-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_leader_flow import _login_as

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# The page's own sideways scroll, and each visible table's overflow beyond its box.
OVERFLOW = """() => {
  const out = [];
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 0) out.push("page +" + page + "px");
  for (const t of document.querySelectorAll("table")) {
    if (!t.offsetParent) continue;
    const box = t.parentElement.getBoundingClientRect();
    const over = t.getBoundingClientRect().width - box.width;
    if (over > 1) out.push((t.id || t.className) + " +" + Math.round(over) + "px");
  }
  // A console tab whose label does not fit its tab runs into the next one.
  for (const tab of document.querySelectorAll(".c-tabbar .tab")) {
    if (tab.scrollWidth > tab.clientWidth + 1) out.push("tab " + tab.textContent.trim());
  }
  return out;
}"""

# How the card tables are drawn: whether their header row shows, and the cells of
# a data row that have no label (an empty placeholder cell or a full-width one is
# fine) -- on a phone every value must say which column it is.
CARDS = """() => [...document.querySelectorAll("table.c-table-cards")].map(t => ({
  table: t.id || t.className,
  header: t.tHead ? getComputedStyle(t.tHead).display !== "none"
                    && t.tHead.getBoundingClientRect().height > 1 : false,
  unlabelled: [...t.querySelectorAll("tbody td")]
    .filter(td => !td.dataset.label && !td.classList.contains("c-empty")
                  && td.textContent.trim() && !td.querySelector("form"))
    .map(td => td.textContent.trim().slice(0, 30)),
}))"""


def _pages() -> tuple[Any, Any, list[tuple[str, str]], list[tuple[str, str]]]:
    """The koala brand admin and the warehouse staff, each with their ASN pages, on
    the demo data: a received ASN with discrepancies, a coded one and a pending
    (open, counting forms) one."""
    from django.contrib.auth import get_user_model

    from shequn.brands.selectors import staff_of
    from shequn.demo import seed_inbound, seed_trace
    from shequn.demo import seeding as demo
    from shequn.demo.seed_people import WAREHOUSE_LOGIN
    from shequn.logistics.models import ASN
    from shequn.trace.models import CodeBatch

    data = demo.seed()
    received = ASN.objects.get(reference=seed_inbound.RECEIVED_REF)
    pending = ASN.objects.get(reference=seed_inbound.PENDING_REF)
    batch = CodeBatch.objects.get(asn__reference=seed_trace.REF)
    brand = [("brand-stock", reverse("brand:stock")),
             ("brand-asn", reverse("brand:asn", args=[received.pk])),
             ("brand-asn-coded", reverse("brand:asn", args=[batch.asn_id])),
             ("brand-asn-new", reverse("brand:asn_new"))]
    warehouse = [("warehouse-home", reverse("warehouse:home")),
                 ("warehouse-asn-open", reverse("warehouse:asn", args=[pending.pk])),
                 ("warehouse-asn", reverse("warehouse:asn", args=[received.pk])),
                 ("warehouse-expiry", reverse("warehouse:expiry") + "?days=3650"),
                 ("warehouse-codes", reverse("warehouse:codes_detail", args=[batch.pk]))]
    user = get_user_model().objects.get(username=WAREHOUSE_LOGIN[0])
    return staff_of(data.brands["koala"])[0], user, brand, warehouse


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_asn_pages_fit_a_phone(server, browser_page, language):
    page = browser_page
    brand_user, warehouse_user, brand_pages, warehouse_pages = _pages()
    found: dict[str, Any] = {}
    for user, pages in ((brand_user, brand_pages), (warehouse_user, warehouse_pages)):
        _login_as(page, server.url, user)
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": server.url}])
        for name, url in pages:
            for size, prefix in ((PHONE, "phone"), (DESKTOP, "desk")):
                page.set_viewport_size(size)
                response = page.goto(server.url + url)
                assert response is not None and response.status == 200, (url, response)
                page.wait_for_load_state("networkidle")
                assert page.locator("html").get_attribute("lang") == language, url
                cards = page.evaluate(CARDS)
                if size is PHONE:
                    fits = page.evaluate("document.documentElement.scrollWidth"
                                         " <= window.innerWidth")
                    over = page.evaluate(OVERFLOW)
                    if not fits or over:
                        found[f"{name} phone"] = over
                    for table in cards:
                        if table["header"] or table["unlabelled"]:
                            found[f"{name} phone {table['table']}"] = table
                elif any(not table["header"] for table in cards):
                    # At a desk the tables keep their header row.
                    found[f"{name} desk"] = cards
                # The whole page in one picture, the fixed tab bar at its end (as the
                # shot fixture does).
                height = page.evaluate("document.documentElement.scrollHeight")
                page.set_viewport_size({"width": size["width"],
                                        "height": max(size["height"], height)})
                page.screenshot(path=str(ARTIFACTS / f"{prefix}-{language}-{name}.png"),
                                full_page=True)
    assert not found, found
