"""联系客服 on the buyer's order and return pages: the configured
SHEQUN_SUPPORT_CONTACT as a link that reaches it; nothing when unconfigured."""

from __future__ import annotations

import pytest

from tests.builders.buying import place_paid_order
from tests.builders.catalog import make_sku, make_stock, make_warehouse
from tests.builders.people import make_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    house = make_warehouse()
    sku = make_sku(price="59.00")
    make_stock(house, sku, 3)
    return place_paid_order(make_buyer(), sku)


def _pages(client, order) -> list[str]:
    client.force_login(order.user)
    out = []
    for url in (f"/orders/{order.number}/", f"/orders/{order.number}/return/"):
        resp = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert resp.status_code == 200, url
        out.append(resp.content.decode())
    return out


def test_no_contact_configured_shows_none(client, order, settings):
    settings.SHEQUN = {**settings.SHEQUN, "SUPPORT_CONTACT": ""}
    for html in _pages(client, order):
        assert 'data-testid="support"' not in html and "Contact support" not in html


@pytest.mark.parametrize(("contact", "href"), [
    ("400-800-1234", "tel:4008001234"),
    ("+86 571 8600 1234", "tel:+8657186001234"),
    ("help@shop.example.cn", "mailto:help@shop.example.cn"),
    ("https://work.weixin.qq.com/kfid/kfc0123", "https://work.weixin.qq.com/kfid/kfc0123"),
])
def test_the_configured_contact_is_on_the_order_and_return_pages(client, order, settings,
                                                                  contact, href):
    settings.SHEQUN = {**settings.SHEQUN, "SUPPORT_CONTACT": contact}
    for html in _pages(client, order):
        card = html.split('data-testid="support"', 1)[1].split("</section>", 1)[0]
        assert "Contact support" in card
        assert f'<a href="{href}" translate="no" data-testid="support-contact">{contact}</a>' \
            in card


def test_a_contact_that_is_no_address_is_shown_as_text(client, order, settings):
    settings.SHEQUN = {**settings.SHEQUN, "SUPPORT_CONTACT": "javascript:alert(1)"}
    html = _pages(client, order)[0]
    card = html.split('data-testid="support"', 1)[1].split("</section>", 1)[0]
    assert "<a " not in card and "javascript:alert(1)" in card
