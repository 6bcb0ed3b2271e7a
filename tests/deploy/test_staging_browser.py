"""A buyer's phone in real Chromium against the staging deployment: gunicorn,
whitenoise, Redis and PostgreSQL as ``tests/deploy/topology.py`` starts them,
behind a proxy that speaks TLS itself (so the page is an https origin and the
browser keeps ``Secure`` cookies as it would in service).

In zh-Hans (the default) and in English (the phone's Accept-Language), the
buyer opens a seeded unit's GS1 Digital Link as printed in its QR code: the
product, lot, expiry and the unit's journey, a first check; checks again and
is warned; shares their city (answered in place by htmx, no extra check);
reads the privacy notice; opens an unknown serial of the product, is told it
is not genuine and reports it; checks another unit and switches the page to
the other language (the same page, still its first check); types that unit's
printed code on the entry page; opens its carton's code. On every page:
the 模拟环境 banner (staging runs simulators) and nothing of the demo (no
simulator links, no demo SMS code, no published demo secret); htmx and the
style sheets come from this site, collected with hashed names and served by
whitenoise; no console error.

Screenshots: ``<tmp>/staging-walk-<lang>/*.png`` (the test's tmp dir; the
path is in the test's output with ``-s``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from shequn.core import envconfig
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.deploy.topology import STAFF_PASSWORD, Topology

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}

# What a buyer must read, per language (the catalogues' own text).
TEXT = {
    "zh-CN": {
        "html_lang": "zh-hans", "banner": "模拟环境", "first": "正品码：这是本码的首次查询。",
        "repeat": "此码已被查询 2 次，首次于", "lot": "批号", "expiry": "有效期至",
        "steps": ["品牌方赋码", "装箱", "发往保税仓", "保税仓收货"],
        "consent": "查询时提供我所在的城市", "stop": "不再提供我所在的城市",
        "retention": "天后删除", "fake": "非正品码", "reported": "感谢您的举报",
        "where": "某微信群",
    },
    "en-US": {
        "html_lang": "en", "banner": "Simulated environment",
        "first": "Genuine product code: this is its first check.",
        "repeat": "This code has been checked 2 times, first on", "lot": "Lot",
        "expiry": "Expiry date",
        "steps": ["Coded by the brand", "Packed into a carton",
                  "Shipped to the bonded warehouse", "Received at the bonded warehouse"],
        "consent": "Share my city when I check codes", "stop": "Stop sharing my city",
        "retention": "days; the number of checks remains", "fake": "Not a genuine code",
        "reported": "Thank you.", "where": "a WeChat group",
    },
}
STEPS = ["coded", "packed", "shipped_in", "received"]

# Paths of the demo's simulators and stand-ins: a buyer's page never links there.
SIMULATOR_PATHS = ("/sim/", "/paysim/", "/_sim/", "/wxpaysim/", "carrier-sim")
# A hashed name from the manifest (CompressedManifestStaticFilesStorage).
HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.(css|js)$")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _units(staging: Topology, n: int) -> list[dict[str, Any]]:
    """``n`` seeded units nobody has checked yet, with what their page shows."""
    rows = staging.sql(
        "SELECT u.id, u.gtin, cb.lot, u.serial, cb.expiry, p.name, p.name_en "
        "FROM trace_unitcode u JOIN trace_codebatch cb ON cb.id = u.batch_id "
        "JOIN catalog_sku s ON s.id = cb.sku_id JOIN catalog_product p ON p.id = s.product_id "
        "WHERE u.state = 'received' AND cb.expiry IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM trace_scan x WHERE x.unit_id = u.id) ORDER BY u.id DESC LIMIT %s", [n])
    assert len(rows) == n, "the demo seed codes and receives units"
    return [{"id": r[0], "gtin": r[1], "lot": r[2], "serial": r[3], "expiry": r[4],
             # The name in each language (English pages show name_en).
             "product": {"zh-CN": r[5], "en-US": r[6] or r[5]},
             # As printed in the QR code (gs1.digital_link): expiry as AI 17.
             "path": f"/01/{r[1]}/10/{r[2]}/21/{r[3]}?17={r[4]:%y%m%d}"} for r in rows]


def _checks(staging: Topology, unit_id: int) -> int:
    return int(staging.sql("SELECT count(*) FROM trace_scan WHERE unit_id = %s",
                           [unit_id])[0][0])


class Walk:
    """One phone: a Chromium context at phone size in one language, that
    records every response and console error, and checks each page it shows."""

    def __init__(self, browser: Any, base: str, lang: str, shots: Path) -> None:
        self.base, self.lang, self.shots = base, lang, shots
        self.context = browser.new_context(viewport=PHONE, locale=lang, device_scale_factor=1,
                                           ignore_https_errors=True, is_mobile=True,
                                           has_touch=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.responses: list[Any] = []
        self.errors: list[str] = []
        self.page.on("response", lambda r: self.responses.append(r))
        # A 404 page (the unknown serial, by design) is logged by Chromium.
        expected = "Failed to load resource: the server responded with a status of 404"
        self.page.on("console", lambda m: self.errors.append(f"{self.page.url}: {m.text}")
                     if m.type == "error" and not m.text.startswith(expected) else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"{self.page.url}: {exc}"))

    def close(self) -> None:
        self.context.close()

    def shot(self, name: str) -> Path:
        # The viewport grown to the page first: sticky bars stay where a phone
        # scrolled to the end would show them.
        page = self.page
        page.evaluate("window.scrollTo(0, 0)")
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": PHONE["width"], "height": max(PHONE["height"], height)})
        path = self.shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(PHONE)
        return path

    def covered(self, selector: str) -> str:
        """What is drawn over the middle of ``selector`` ("" when it is itself)."""
        return str(self.page.evaluate("""(selector) => {
            const el = document.querySelector(selector), r = el.getBoundingClientRect();
            if (r.bottom <= 0 || r.top >= innerHeight) return 'out of view';
            const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return top && (top === el || el.contains(top)) ? '' : (top ? top.className : '?');
        }""", selector))

    def goto(self, path: str, status: int = 200) -> None:
        answer = self.page.goto(self.base + path)
        assert answer is not None and answer.status == status, (path, answer and answer.status)
        self.check_page()

    def check_page(self) -> None:
        """What every page of the walk must (and must not) have in staging."""
        page, text = self.page, TEXT[self.lang]
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.lang") == text["html_lang"]
        # Staging runs simulators: its banner, in the page's language. The demo
        # shows none (tests/deploy/test_staging_pages.py).
        banner = page.locator(".env-banner")
        assert banner.count() == 1 and banner.get_attribute("data-env") == "staging"
        assert text["banner"] in banner.inner_text()
        html = page.content()
        # Nothing of the demo: no simulator page linked, no SMS code, no demo secret.
        targets = page.evaluate("""() => [...document.querySelectorAll(
            'a[href], form[action], [hx-get], [hx-post], script[src], link[href], img[src]')]
            .map(e => e.getAttribute('href') || e.getAttribute('action') ||
                      e.getAttribute('hx-get') || e.getAttribute('hx-post') ||
                      e.getAttribute('src'))""")
        for target in targets:
            assert not any(sim in target for sim in SIMULATOR_PATHS), (page.url, target)
            # Everything from this site (no CDN): relative or our own origin.
            assert target.startswith(("/", "#", "data:", self.base)), (page.url, target)
        assert page.locator(".demo-sms, [data-demo-code]").count() == 0
        assert "demo" not in html.lower(), page.url
        for secret in (envconfig.DEMO_VALUES | {envconfig.DEMO_WECHAT_APPID, STAFF_PASSWORD}):
            assert secret not in html, page.url
        # htmx and the style sheets arrived and were applied.
        assert page.evaluate("typeof window.htmx") == "object", page.url
        sheets = page.evaluate("""() => [...document.styleSheets].map(
            s => [s.href, s.cssRules.length])""")
        assert len(sheets) >= 2 and all(rules > 0 for _, rules in sheets), sheets
        assert "repeating-linear-gradient" in page.evaluate(
            "getComputedStyle(document.querySelector('.env-banner')).backgroundImage")


def _walk(staging: Topology, browser: Any, lang: str, shots: Path) -> Walk:
    text = TEXT[lang]
    unit, other = _units(staging, 2)
    walk = Walk(browser, staging.https_url(), lang, shots)
    page = walk.page

    # 1. The genuine unit's Digital Link: first check, product, lot, expiry, journey.
    walk.goto(unit["path"])
    assert page.locator("[data-testid=first-check]").inner_text() == text["first"]
    assert page.locator(".product-title").inner_text() == unit["product"][walk.lang]
    facts = page.locator(".facts-list").inner_text()
    assert text["lot"] in facts and text["expiry"] in facts
    assert page.locator("[data-testid=lot]").inner_text() == unit["lot"]
    assert f"{unit['expiry']:%Y-%m-%d}" in facts
    assert page.locator("[data-testid=serial]").inner_text() == unit["serial"]
    journey = page.locator("[data-testid=journey] li")
    assert journey.evaluate_all("els => els.map(e => e.dataset.step)") == STEPS
    assert [t.split("\n")[0] for t in journey.all_inner_texts()] == text["steps"]
    assert page.locator("[data-testid=chain] li[data-kind=brand]").count() == 1
    # The product picture is served (not a broken image).
    assert page.evaluate("""() => [...document.images].every(
        i => i.complete && i.naturalWidth > 0)""")
    walk.shot("01-unit-first-check")

    # 2. A second check from the same phone warns (and counts).
    page.reload()
    walk.check_page()
    warning = page.locator("[data-testid=repeat-warning]")
    assert warning.get_attribute("data-count") == "2"
    assert text["repeat"] in warning.inner_text()
    assert page.locator("[data-testid=first-check]").count() == 0
    walk.shot("02-unit-repeat-warning")
    # Reading on down the page: the top bar (back, the page's title) stays in
    # view, not hidden under the staging banner (both stuck to the top).
    page.locator("[data-testid=scan-history]").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 200
    page.screenshot(path=str(shots / "02b-unit-scrolled.png"))
    assert walk.covered(".topbar-title") == "", "the top bar is hidden while scrolled"
    assert walk.covered(".topbar-back") == ""

    # 3. Consent for the city: asked on the page, answered in place (htmx over
    # https with the Secure CSRF cookie), no reload and so no third check.
    form = page.locator("[data-testid=consent-form]")
    assert form.get_attribute("data-consented") == "0"
    assert page.locator("[data-testid=consent]").inner_text() == text["consent"]
    page.click("[data-testid=consent]")
    page.locator("[data-testid=consent-form][data-consented='1']").wait_for()
    assert page.locator("[data-testid=consent-stop]").inner_text() == text["stop"]
    assert text["repeat"] in warning.inner_text()
    assert _checks(staging, unit["id"]) == 2
    walk.shot("03-unit-city-consented")

    # 4. The privacy notice the consent form links to.
    page.click("[data-testid=consent-form] a[href='/privacy/']")
    page.wait_for_url(re.compile(r"/privacy/$"))
    walk.check_page()
    assert text["retention"] in page.locator("[data-testid=city-retention]").inner_text()
    assert page.locator("[data-testid=processor]").inner_text().strip()
    # ... and who to ask about it (PIPL Art. 17), as configured.
    contact = page.locator("[data-testid=privacy-contact]")
    assert contact.count() == 1, "the notice names no contact"
    assert contact.inner_text() == staging.env["SHEQUN_PRIVACY_CONTACT"]
    walk.shot("04-privacy-notice")

    # 5. An unknown serial of the product: not genuine, the report form, a report.
    fake = f"FAKE{unit['id']:05d}{lang[:2].upper()}"
    walk.goto(f"/01/{unit['gtin']}/10/{unit['lot']}/21/{fake}", status=404)
    assert text["fake"] in page.locator("[data-testid=counterfeit-warning]").inner_text()
    assert unit["product"][walk.lang] in page.locator("main").inner_text()
    assert page.locator("[data-testid=printed-lot]").inner_text() == unit["lot"]
    page.fill("[data-testid=report-form] input[name=where]", text["where"])
    walk.shot("05-unknown-serial-report-form")
    page.click("[data-testid=report]")
    page.locator("[data-testid=reported]").wait_for()
    walk.check_page()
    assert text["reported"] in page.locator("[data-testid=reported]").inner_text()
    walk.shot("06-report-sent")
    # The thanks page reloads as any page (no form sent again, no second report).
    page.reload()
    walk.check_page()
    assert page.locator("[data-testid=reported]").count() == 1
    assert staging.sql("SELECT \"where\" FROM trace_counterfeitreport WHERE serial = %s",
                       [fake]) == [(text["where"],)]

    # 6. Another unit of the lot, checked with consent given: its first check.
    # Switched to the other language with the footer's switch: the same page in
    # that language, still the first check (the switch is no second check).
    walk.goto(other["path"])
    assert page.locator("[data-testid=first-check]").count() == 1
    assert page.locator("[data-testid=consent-form]").get_attribute("data-consented") == "1"
    walk.lang = "en-US" if lang == "zh-CN" else "zh-CN"
    page.click(f"form.lang-switch button[lang={TEXT[walk.lang]['html_lang']}]")
    page.wait_for_url(re.compile(re.escape(other["path"]) + "&shown="))
    walk.check_page()
    assert (page.locator("[data-testid=first-check]").inner_text()
            == TEXT[walk.lang]["first"]), "the language switch counted a second check"
    assert _checks(staging, other["id"]) == 1
    walk.shot("07-other-unit-switched-language")

    # 7. No camera at hand: the code printed under the QR typed on the entry
    # page leads to the same unit (a second check of it, from this phone).
    walk.goto("/verify/")
    page.fill("input[name=code]", f"(01){other['gtin']}(10){other['lot']}(21){other['serial']}")
    page.click("[data-testid=check]")
    page.wait_for_url(re.compile(re.escape(other["path"].partition("?")[0]) + "$"))
    walk.check_page()
    assert page.locator("[data-testid=repeat-warning]").get_attribute("data-count") == "2"
    assert TEXT[walk.lang]["repeat"] in page.locator("[data-testid=repeat-warning]").inner_text()

    # 8. The carton's code (on the outer box): its product, lot and units.
    [(sscc, inside)] = staging.sql(
        "SELECT c.sscc, (SELECT count(*) FROM trace_unitcode i WHERE i.carton_id = c.id) "
        "FROM trace_carton c JOIN trace_unitcode u "
        "ON c.id = COALESCE(u.carton_id, u.last_carton_id) WHERE u.id = %s", [other["id"]])
    walk.goto(f"/00/{sscc}")
    carton = page.locator("[data-testid=carton]")
    assert sscc in carton.inner_text() and other["product"][walk.lang] in carton.inner_text()
    assert other["lot"] in carton.inner_text()
    assert carton.locator(".facts-list .row").last.locator("dd").inner_text() == str(inside)
    walk.shot("08-carton")
    return walk


def _check_cookies_and_static(walk: Walk) -> None:
    cookies = {c["name"]: c for c in walk.context.cookies()}
    # The device and consent cookies: Secure, HttpOnly, Lax. Every cookie is
    # Secure (HTTPS behind the proxy); an anonymous check needs no session.
    for name in ("sq_dev", "sq_geo"):
        assert cookies[name]["secure"] and cookies[name]["httpOnly"], cookies[name]
        assert cookies[name]["sameSite"] == "Lax", cookies[name]
    assert cookies["csrftoken"]["secure"], cookies["csrftoken"]
    assert cookies["django_language"]["secure"], cookies["django_language"]
    assert all(c["secure"] for c in cookies.values()), cookies
    assert "sessionid" not in cookies
    # Static files: from this origin, hashed names, far-future caching, compressed.
    static = [r for r in walk.responses if urlsplit(r.url).path.startswith("/static/")]
    assert all(urlsplit(r.url).netloc == urlsplit(walk.base).netloc
               for r in walk.responses), {r.url for r in walk.responses}
    assert static and all(r.status == 200 for r in static), [(r.url, r.status) for r in static]
    names = {urlsplit(r.url).path for r in static}
    for wanted in ("/static/django_htmx/htmx-2.min.", "/static/css/site.",
                   "/static/css/env-banner.", "/static/js/store."):
        found = [n for n in names if n.startswith(wanted)]
        assert found and all(HASHED.search(n) for n in found), (wanted, names)
    for answer in static:
        if HASHED.search(urlsplit(answer.url).path):
            headers = answer.headers
            assert "immutable" in headers.get("cache-control", ""), (answer.url, headers)
            assert headers.get("content-encoding") in ("gzip", "br"), (answer.url, headers)


@pytest.mark.parametrize("lang", ["zh-CN", "en-US"])
def test_a_buyer_checks_units_on_a_phone_in_staging(staging: Topology, chromium: Any,
                                                     lang: str, tmp_path: Path) -> None:
    shots = tmp_path / f"staging-walk-{lang}"
    shots.mkdir()
    walk = _walk(staging, chromium, lang, shots)
    try:
        _check_cookies_and_static(walk)
        assert not walk.errors, "console errors:\n" + "\n".join(walk.errors)
        print(f"screenshots: {shots}")
    finally:
        walk.close()
