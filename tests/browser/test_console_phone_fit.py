"""Console pages fit a phone's width in English, whose words are longer than the
Chinese ones: the row of filter links wraps, a document's SHA-256 and an outbox
event's payload wrap inside their cards, and the product form's selects (English
unit names) stay inside the form. Each of these widened the page past the screen."""

from __future__ import annotations

import pytest

from tests.browser.test_language_walk import PHONE, _koala_admin, _session_cookie

WIDTH_JS = "document.documentElement.scrollWidth"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_console_pages_do_not_scroll_sideways_on_a_phone_in_english(server, browser_page, shot):
    from django.conf import settings
    from django.urls import reverse

    from shequn.brands.models import Grant
    from shequn.core.models import OutboxEvent
    from shequn.demo import seeding as demo

    data = demo.seed()
    koala = _koala_admin(data)
    grant = Grant.objects.filter(grantor=data.brands["koala"]).order_by("pk").first()
    event = OutboxEvent.objects.order_by("pk").first()
    assert grant is not None and grant.document_sha256 and event is not None
    pages = [(data.operator, "phone-fit-ops-grants", reverse("ops:grants")),
             (data.operator, "phone-fit-ops-grant", reverse("ops:grant", args=[grant.pk])),
             (data.operator, "phone-fit-ops-outbox-event",
              reverse("ops:outbox_event", args=[event.pk])),
             (koala, "phone-fit-brand-grant", reverse("brand:grant", args=[grant.pk])),
             (koala, "phone-fit-brand-product-new", reverse("brand:products_create"))]
    page = browser_page
    page.set_viewport_size(PHONE)
    wide = {}
    for user, name, url in pages:
        page.context.clear_cookies()
        page.context.add_cookies(_session_cookie(user, server.url) + [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": server.url}])
        response = page.goto(server.url + url)
        assert response is not None and response.status == 200, url
        assert page.locator("html").get_attribute("lang") == "en", url
        width = page.evaluate(WIDTH_JS)
        if width > PHONE["width"]:
            wide[url] = width
        shot(name)
    assert not wide, wide


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_audit_log_keeps_its_detail_readable_on_a_phone(server, browser_page, shot):
    """Squeezed to a phone's width, the audit table's detail column was a few letters
    wide (each value broken a letter per line, rows a screen tall); it scrolls
    sideways in its own box instead, the page itself does not."""
    from django.urls import reverse

    from shequn.demo import seeding as demo

    data = demo.seed()
    page = browser_page
    page.set_viewport_size(PHONE)
    page.context.add_cookies(_session_cookie(data.operator, server.url))
    page.goto(server.url + reverse("ops:audit"))
    detail = page.locator("table.c-audit tbody tr").first.locator("td").last.bounding_box()
    assert detail is not None and detail["width"] >= 150, detail
    assert page.evaluate(WIDTH_JS) <= PHONE["width"]
    shot("phone-fit-ops-audit")
