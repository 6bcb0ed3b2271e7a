"""The verify page behind a unit's QR code: product, chain, journey, checks;
unknown serials and malformed links; counterfeit reports."""

from __future__ import annotations

import pytest

from shequn.core.models import Notice
from shequn.trace import gs1
from shequn.trace.models import CounterfeitReport, Scan, ScanTally, Signal, UnitCode
from tests.builders.console import operator
from tests.builders.trace_verify import coded_units, link, write_journey

pytestmark = pytest.mark.django_db


def test_first_check_shows_product_and_journey(client):
    unit = coded_units(1)[0]
    write_journey(unit, waybill="SF1234567890123")
    resp = client.get(link(unit))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="first-check"' in html and "repeat-warning" not in html
    assert unit.batch.sku.product.name in html and unit.batch.lot in html
    steps = [s for s in ("coded", "packed", "shipped_in", "received", "cleared", "picked",
                         "shipped_out", "delivered") if f'data-step="{s}"' in html]
    assert steps == ["coded", "packed", "shipped_in", "received", "cleared", "picked",
                     "shipped_out", "delivered"]
    # The carton's events after the unit left it are not the unit's.
    assert 'data-step="destroyed"' not in html
    assert "SF1234567890123" not in html and "SF****0123" in html  # waybill masked
    assert Scan.objects.filter(unit=unit).count() == 1


def test_second_check_warns_with_count_and_first_time(client):
    unit = coded_units(1)[0]
    client.get(link(unit))
    resp = client.get(link(unit, lot=False))
    html = resp.content.decode()
    assert 'data-testid="repeat-warning" data-count="2"' in html
    assert "此码已被查询 2 次，首次于" in html


def test_english_page_is_english(client):
    unit = coded_units(1)[0]
    client.get(link(unit))
    html = client.get(link(unit), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This code has been checked 2 times, first on" in html


def test_the_journey_reads_in_the_pages_language_with_its_data_escaped(client):
    from django.core.cache import cache

    from shequn.inventory.models import Warehouse

    unit = coded_units(1)[0]
    write_journey(unit, waybill="SF1234567890123")
    Warehouse.objects.update(name="<b>Ningbo</b> & Co")
    cache.clear()
    from shequn.core import localcache
    localcache.clear_all()
    en = client.get(link(unit), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = client.get(link(unit), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    journey_en = en[en.index('data-testid="journey"'):en.index('data-testid="scan-history"')]
    journey_zh = zh[zh.index('data-testid="journey"'):zh.index('data-testid="scan-history"')]
    assert "Received at the bonded warehouse" in journey_en and "Waybill" in journey_en
    assert "Received at" not in journey_zh
    assert "运单号" in journey_zh
    assert "&lt;b&gt;Ningbo&lt;/b&gt; &amp; Co" in journey_en and "<b>Ningbo" not in en
    assert journey_en.count('class="is-current"') == 1
    assert '<li data-step="delivered" class="is-current">' in journey_en


def test_the_journey_names_the_brand_and_warehouse_in_the_pages_language(client):
    """The commissioning and packing steps name the brand (its organization),
    the warehouse steps the warehouse:
    English on an English page where it has an English name, Chinese on a
    Chinese page; both the same unit, one right after the other (the place
    names are cached per language)."""
    unit = coded_units(1)[0]
    brand = unit.batch.org
    brand.name, brand.name_en = "考拉乳业", "Koala Dairy"
    brand.save(update_fields=["name", "name_en"])
    write_journey(unit)
    from shequn.inventory.models import Warehouse

    Warehouse.objects.update(name="宁波保税仓", name_en="Ningbo Bonded Warehouse")

    def journey(language: str) -> str:
        body = client.get(link(unit), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        return body[body.index('data-testid="journey"'):body.index('data-testid="scan-history"')]

    zh, en, zh_again = journey("zh-hans"), journey("en"), journey("zh-hans")
    assert "考拉乳业" in zh and "Koala Dairy" not in zh
    assert "Koala Dairy" in en and "考拉乳业" not in en
    assert "宁波保税仓" in zh and "Ningbo Bonded Warehouse" in en and "宁波保税仓" not in en
    assert zh_again.count("考拉乳业") == zh.count("考拉乳业")


def test_units_of_one_lot_share_its_card_each_with_its_own_serial(client):
    # The product card is rendered once per lot and language, the serial set in.
    a, b = coded_units(2)
    html_a = client.get(link(a)).content.decode()
    html_b = client.get(link(b)).content.decode()
    assert f'data-testid="serial">{a.serial}</dd>' in html_a and b.serial not in html_a
    assert f'data-testid="serial">{b.serial}</dd>' in html_b and a.serial not in html_b
    english = client.get(link(a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<dt>Lot</dt>" in english and "<dt>批号</dt>" not in english
    chinese = client.get(link(b)).content.decode()
    assert "<dt>批号</dt>" in chinese and "<dt>Lot</dt>" not in chinese
    assert "shequn-serial" not in html_a + html_b + english + chinese


def test_the_device_cookie_is_given_once(client):
    unit = coded_units(1)[0]
    first = client.get(link(unit))
    token = first.cookies["sq_dev"].value
    assert len(token) == 32 and first.cookies["sq_dev"]["httponly"]
    again = client.get(link(unit))
    assert "sq_dev" not in again.cookies  # the browser has it
    assert len(set(Scan.objects.filter(unit=unit).values_list("device", flat=True))) == 1
    client.cookies["sq_dev"] = "not a token!"
    assert client.get(link(unit)).cookies["sq_dev"].value not in ("not a token!", token)


def test_unknown_serial_is_not_genuine_and_can_be_reported(client):
    unit = coded_units(1)[0]
    brand = unit.batch.org
    ops = operator()
    url = f"/01/{unit.gtin}/10/{unit.batch.lot}/21/FAKE0000001"
    resp = client.get(url)
    assert resp.status_code == 404
    assert 'data-testid="counterfeit-warning"' in resp.content.decode()
    assert Scan.objects.filter(unit=None, gtin=unit.gtin).count() == 1
    resp = client.post("/verify/report/", {"gtin": unit.gtin, "serial": "FAKE0000001",
                                           "lot": unit.batch.lot, "where": "某微信群"})
    # Thanked on a page of its own (by GET): reloading it sends nothing again.
    assert resp.status_code == 302 and resp["Location"] == "/verify/reported/"
    for _ in range(2):
        thanks = client.get(resp["Location"])
        assert 'data-testid="reported"' in thanks.content.decode()
    report = CounterfeitReport.objects.get()
    assert report.brand == brand and report.where == "某微信群"
    kinds = set(Notice.objects.values_list("user_id", "kind"))
    assert (ops.pk, "trace.counterfeit_report") in kinds
    from shequn.brands.selectors import staff_of
    assert all((u.pk, "trace.counterfeit_report") in kinds for u in staff_of(brand))


def test_a_serial_on_another_lots_label_is_not_genuine(client):
    unit = coded_units(1)[0]
    resp = client.get(f"/01/{unit.gtin}/10/OTHERLOT/21/{unit.serial}")
    assert resp.status_code == 404


@pytest.mark.parametrize("path", [
    "/01/12345/21/ABC",  # not a GTIN
    "/01/04512345000777/21/ABC",  # wrong check digit
    "/01/04512345000776/21/" + "A" * 25,  # serial too long
    "/01/04512345000776/21/%20%20",  # not a serial
    "/00/123456789012345678",  # SSCC with a wrong check digit
])
def test_malformed_links_get_a_friendly_page_and_store_nothing(client, path):
    resp = client.get(path)
    assert resp.status_code in (400, 404)
    assert 'data-testid="invalid-code"' in resp.content.decode()
    assert Scan.objects.count() == 0


def test_entry_page_reads_any_form(client):
    unit = coded_units(1)[0]
    resp = client.get("/verify/", {"code": f"(01){unit.gtin}(10){unit.batch.lot}"
                                           f"(21){unit.serial}"})
    assert (resp.status_code == 302 and resp["Location"] == link(unit) + "/") or \
        resp["Location"].rstrip("/") == link(unit)
    assert client.get("/verify/", {"code": "not a code"}).status_code == 400


def test_recalled_unit_says_so(client):
    unit = coded_units(1)[0]
    UnitCode.objects.filter(pk=unit.pk).update(state=UnitCode.State.RECALLED)
    assert 'data-testid="withdrawn"' in client.get(link(unit)).content.decode()


def test_repeat_checks_from_many_devices_raise_signals(client, settings):
    settings.SHEQUN = {**settings.SHEQUN, "TRACE_SIGNALS": {"repeat_scans": 3, "devices": 2}}
    unit = coded_units(1)[0]
    client.get(link(unit))
    client.cookies.clear()
    client.get(link(unit))
    assert Signal.objects.filter(kind="many_devices", org=unit.batch.org).count() == 1
    client.get(link(unit))
    client.get(link(unit))
    sig = Signal.objects.get(kind="repeat_scans")
    assert sig.evidence["count"] == 4 and list(sig.units.all()) == [unit]


def test_probing_unknown_serials_raises_a_counterfeit_signal(client):
    unit = coded_units(1)[0]
    for n in range(3):
        client.get(f"/01/{unit.gtin}/21/PROBE{n:05d}")
    sig = Signal.objects.get(kind="probes")
    assert sig.org == unit.batch.org and sig.evidence["unknown_codes"] == 3


def test_city_is_kept_only_with_consent(client, settings, tmp_path):
    table = tmp_path / "geo.csv"
    table.write_text("127.0.0.0,127.255.255.255,浙江省,杭州市\n", encoding="utf-8")
    settings.SHEQUN = {**settings.SHEQUN, "GEOIP_CSV": str(table)}
    unit = coded_units(1)[0]
    client.get(link(unit))
    assert Scan.objects.get().city == ""
    client.post("/verify/consent/", {"consent": "1", "next": link(unit)})
    client.get(link(unit))
    assert list(Scan.objects.order_by("pk").values_list("city", flat=True)) == ["", "杭州市"]


def test_verify_page_query_count(client, django_assert_max_num_queries):
    unit = coded_units(1)[0]
    write_journey(unit)
    client.get(link(unit))
    with django_assert_max_num_queries(30):
        client.get(link(unit))


def test_page_reads_events_by_carton_in_few_queries_and_caches_the_cover(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequn.catalog.models import ProductImage

    unit = coded_units(1)[0]
    write_journey(unit, waybill="SF1234567890123")
    client.get(link(unit))
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(link(unit)).content.decode()
    sql = [q["sql"] for q in ctx.captured_queries]
    # The unit's events (with its current carton's, when it is in one) in one
    # query; the carton this journey's unit left is read in a second. On
    # PostgreSQL the first is the check's own statement (which also writes the
    # check) and both are prepared once per connection.
    assert sum(q.startswith(("EXECUTE verify_epc_rows", "EXECUTE verify_check_journey"))
               or (q.startswith("SELECT") and "trace_epcindex" in q) for q in sql) == 2
    assert not any("catalog_productimage" in q for q in sql)
    assert 'data-step="delivered"' in html
    # A new picture is shown at once (the cached cover is dropped on change).
    product = unit.batch.sku.product
    image = ProductImage.objects.create(product=product, position=0, image="p/new.jpg",
                                        thumb="p/new_t.jpg", width=10, height=10,
                                        sha256="0" * 64)
    assert image.url(thumb=True) in client.get(link(unit)).content.decode()


def test_a_check_is_one_statement_on_postgresql(client):
    """The unit's read, the check's writes and the journey's events (the
    unit's and its carton's) are one statement: one round trip for the page's
    whole database work."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the SQLite path reads and writes with the ORM")
    from shequn.trace.models import Carton

    unit = coded_units(1)[0]
    carton = Carton.objects.create(sscc=gs1.new_sscc("6901234"), org=unit.batch.org,
                                   batch=unit.batch)
    UnitCode.objects.filter(pk=unit.pk).update(carton=carton)
    write_journey(unit, sscc=carton.sscc)  # the carton's events come with the unit's
    client.get(link(unit))
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(link(unit)).content.decode()
    assert [q["sql"].split(" (")[0] for q in ctx.captured_queries] == [
        "EXECUTE verify_check_journey"]
    assert 'data-testid="repeat-warning" data-count="2"' in html
    for step in ("coded", "packed", "shipped_in", "received", "delivered"):
        assert f'data-step="{step}"' in html, step
    assert ScanTally.objects.get(unit=unit).count == 2


def test_the_carton_a_unit_left_last_is_read_with_its_own_events(client):
    # Receiving and packing clear a unit's carton and keep it as its last one:
    # the page then reads the unit's and that carton's events in one lookup.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequn.trace.models import Carton

    unit = coded_units(1)[0]
    carton = Carton.objects.create(sscc=gs1.new_sscc("6901234"), org=unit.batch.org,
                                   batch=unit.batch)
    write_journey(unit, sscc=carton.sscc)
    UnitCode.objects.filter(pk=unit.pk).update(last_carton=carton,
                                               state=UnitCode.State.DELIVERED)
    client.get(link(unit))
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(link(unit)).content.decode()
    assert sum(q["sql"].startswith(("EXECUTE verify_epc_rows", "EXECUTE verify_check_journey"))
               or (q["sql"].startswith("SELECT") and "trace_epcindex" in q["sql"])
               for q in ctx.captured_queries) == 1
    for step in ("coded", "packed", "shipped_in", "received", "cleared", "picked",
                 "shipped_out", "delivered"):
        assert f'data-step="{step}"' in html, step


def test_page_shows_a_renamed_product_and_a_changed_expiry_at_once(client):
    # The lot, SKU, product and brand are cached per lot; a change drops them.
    import datetime as dt

    unit = coded_units(1)[0]
    client.get(link(unit))
    product = unit.batch.sku.product
    product.name = "改名后的奶粉"
    product.save()
    batch = unit.batch
    batch.expiry = dt.date(2031, 2, 3)
    batch.save()
    html = client.get(link(unit)).content.decode()
    assert "改名后的奶粉" in html and "2031-02-03" in html


def test_a_serial_printed_with_another_lot_says_so(client):
    unit = coded_units(1)[0]
    resp = client.get(f"/01/{unit.gtin}/10/OTHERLOT/21/{unit.serial}",
                      HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "made in another lot than the one printed with it" in html
    assert "was ever made for this product" not in html
    assert 'data-testid="printed-lot">OTHERLOT<' in html
    # A made-up serial still says it was never made.
    other = client.get(f"/01/{unit.gtin}/10/{unit.batch.lot}/21/NOSUCHSERIAL2",
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "此码对应的商品：" in other and "another lot" not in other
    assert Scan.objects.filter(unit=None).count() == 2  # both count as unknown codes
    # Nothing is counted against the unit whose serial was copied.
    assert not Scan.objects.filter(unit=unit).exists()
    assert not ScanTally.objects.filter(unit=unit).exists()


def test_consent_from_the_page_is_answered_in_place_and_counts_no_check(client):
    unit = coded_units(1)[0]
    page = link(unit) + "?17=280930"
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = html[html.index('id="consent-form"'):]
    back = _language_next(html)  # this page, marked as shown to this phone
    assert back.startswith(page + "&shown=")  # the query (expiry) kept
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in form
    assert "Share my city when I check codes" in html
    resp = client.post("/verify/consent/", {"consent": "1", "next": page},
                       HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200 and resp.cookies["sq_geo"].value == "1"
    body = resp.content.decode()
    assert body.startswith("<form") and 'data-consented="1"' in body
    assert "Stop sharing my city" in body
    stop = client.post("/verify/consent/", {"consent": "0", "next": page},
                       HTTP_HX_REQUEST="true")
    assert 'data-consented="0"' in stop.content.decode() and stop.cookies["sq_geo"].value == ""
    # Stopped with the attributes the cookie was given (over HTTPS: Secure).
    assert stop.cookies["sq_geo"]["samesite"] == "Lax" and stop.cookies["sq_geo"]["httponly"]
    secure_stop = client.post("/verify/consent/", {"consent": "0", "next": page}, secure=True)
    assert secure_stop.cookies["sq_geo"]["secure"]
    assert Scan.objects.count() == 1  # only the page itself was a check
    # Without scripts the form posts and returns to the same page, query
    # included, which shows it again without counting a check.
    plain = client.post("/verify/consent/", {"consent": "1", "next": back})
    assert plain.status_code == 302 and plain["Location"] == back
    again = client.get(back).content.decode()
    assert 'data-testid="first-check"' in again
    assert Scan.objects.count() == 1


def test_the_consent_form_is_this_browsers_in_this_pages_language():
    """The form is rendered once per language and choice (web/verify/views.py,
    consent_form); the page's address and the browser's CSRF token are its own."""
    import re

    from django.test import Client

    unit = coded_units(1)[0]
    browsers = [Client(enforce_csrf_checks=True) for _ in range(2)]
    page = link(unit) + "?17=280930&x=1"
    zh = browsers[0].get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = browsers[1].get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Share my city when I check codes" in en and "Share my city" not in zh
    assert f'name="next" value="{page.replace("&", "&amp;")}&amp;shown=' in zh
    tokens = []
    for browser, html in zip(browsers, (zh, en), strict=True):
        form = html[html.index('id="consent-form"'):]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        tokens.append(token)
        answer = browser.post("/verify/consent/", {"consent": "1", "next": page,
                                                   "csrfmiddlewaretoken": token},
                              HTTP_HX_REQUEST="true")
        assert answer.status_code == 200 and 'data-consented="1"' in answer.content.decode()
    assert tokens[0] != tokens[1]
    # Another browser's token is refused.
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(page)
    refused = stranger.post("/verify/consent/", {"consent": "1", "next": page,
                                                 "csrfmiddlewaretoken": tokens[0]})
    assert refused.status_code == 403


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/",
                                    "javascript:alert(1)"])
def test_consent_never_sends_the_browser_off_site(client, target):
    resp = client.post("/verify/consent/", {"consent": "1", "next": target})
    assert resp.status_code == 302 and resp["Location"] == "/verify/"


def test_privacy_notice_names_the_processor_and_what_reports_keep(client, settings):
    settings.SHEQUN = {**settings.SHEQUN, "PRIVACY_CONTACT": "privacy@example.cn"}
    html = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What we collect when you report a counterfeit" in html
    assert settings.SHEQUN["PLATFORM_EBP_NAME"] in html
    assert 'data-testid="privacy-contact">privacy@example.cn<' in html
    unknown = client.get("/01/09312345000012/21/NOSUCHSERIAL3").content.decode()
    assert 'href="/privacy/"' in unknown


def _language_next(html: str) -> str:
    import html as htmllib
    import re

    found = re.search(r'class="lang-switch".*?name="next" value="([^"]*)"', html, re.S)
    assert found, "no language switch"
    return htmllib.unescape(found.group(1))


def test_switching_the_language_shows_the_check_page_again_without_a_check(client):
    from django.test import Client
    from django.urls import reverse

    unit = coded_units(1)[0]
    page = link(unit) + "?17=280930"
    first = client.get(page).content.decode()
    assert 'data-testid="first-check"' in first
    back = _language_next(first)
    assert back.startswith(page + "&shown=")  # the query (expiry) kept
    switched = client.post(reverse("set_language"), {"language": "en", "next": back})
    assert switched.status_code == 302 and switched["Location"] == back
    again = client.get(back).content.decode()
    # Still the first check, in English: the switch is not a second check.
    assert "Genuine product code: this is its first check." in again
    assert "repeat-warning" not in again
    assert Scan.objects.filter(unit=unit).count() == 1
    # The mark is this phone's and this code's: another phone opening the same
    # address (a QR code printed with it) counts, and so does another code.
    other = Client().get(back).content.decode()
    assert 'data-testid="repeat-warning" data-count="2"' in other
    second = coded_units(1)[0]
    mark = back.partition("&shown=")[2]
    client.get(link(second) + "?shown=" + mark)
    assert Scan.objects.filter(unit=second).count() == 1
    assert Scan.objects.filter(unit=unit).count() == 2
    # A plain check from the same phone counts as ever.
    assert 'data-count="3"' in client.get(page).content.decode()


def test_switching_the_language_of_an_unknown_code_counts_no_second_probe(client):
    unit = coded_units(1)[0]
    page = f"/01/{unit.gtin}/10/{unit.batch.lot}/21/NOSUCHSERIAL4"
    back = _language_next(client.get(page).content.decode())
    assert client.get(back, HTTP_ACCEPT_LANGUAGE="en").status_code == 404
    assert Scan.objects.filter(unit=None, serial="NOSUCHSERIAL4").count() == 1


def test_a_forged_mark_counts_the_check(client):
    unit = coded_units(1)[0]
    client.get(link(unit))
    client.get(link(unit) + "?shown=not-a-signed-mark")
    assert Scan.objects.filter(unit=unit).count() == 2


def _named(unit, name_en="Radiance Serum 30 ml", brand_en="Sakura Cosmetics"):
    product = unit.batch.sku.product
    product.name, product.name_en = "樱花焕亮精华液 30ml", name_en
    product.save()
    brand = product.brand
    brand.name, brand.name_en = "日本樱花美妆", brand_en
    brand.save()
    return product, brand


def _switch(client, language):
    from django.urls import reverse

    assert client.post(reverse("set_language"),
                       {"language": language, "next": "/verify/"}).status_code == 302


def test_the_lot_card_shows_the_names_of_the_pages_language_cached_per_language(client):
    # The card is rendered once per lot and language (web/verify/views.py,
    # _lot_card): an English check right after a Chinese one of the same lot
    # must not be given the Chinese card, nor the other way round.
    from tests.web.language import CJK

    a, b = coded_units(2)
    product, brand = _named(a)
    zh = client.get(link(a)).content.decode()
    assert product.name in zh and brand.name in zh
    assert product.name_en not in zh and brand.name_en not in zh
    _switch(client, "en")
    en = client.get(link(b)).content.decode()
    card = en[en.index('<h1 class="product-title"'):en.index('data-testid="journey"')]
    assert f'translate="no">{product.name_en}</h1>' in card
    assert f'translate="no">{brand.name_en}</dd>' in card
    assert product.name not in en and brand.name not in en
    assert not CJK.search(card), card  # the chain's organizations too
    _switch(client, "zh-hans")
    again = client.get(link(a)).content.decode()
    assert product.name in again and product.name_en not in again


def test_without_an_english_name_the_english_check_shows_the_chinese_one(client):
    unit = coded_units(1)[0]
    product, brand = _named(unit, name_en="", brand_en="")
    _switch(client, "en")
    html = client.get(link(unit)).content.decode()
    assert "Genuine product code" in html  # an English page
    assert f'translate="no">{product.name}</h1>' in html
    assert f'translate="no">{brand.name}</dd>' in html


def test_unknown_code_and_carton_pages_name_the_product_in_english(client):
    from shequn.trace.models import Carton

    unit = coded_units(1)[0]
    product, _brand = _named(unit)
    carton = Carton.objects.create(sscc=gs1.new_sscc("6901234"), org=unit.batch.org,
                                   batch=unit.batch)
    _switch(client, "en")
    unknown = client.get(f"/01/{unit.gtin}/10/{unit.batch.lot}/21/NOSUCHSERIAL9")
    box = client.get(f"/00/{carton.sscc}")
    for resp in (unknown, box):
        html = resp.content.decode()
        assert product.name_en in html and product.name not in html
    _switch(client, "zh-hans")
    html = client.get(f"/00/{carton.sscc}").content.decode()
    assert product.name in html and product.name_en not in html
