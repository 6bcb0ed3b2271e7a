"""Share cards inside WeChat (web/store/wechat_share.py, specs/wechat-channel.md §2):
the product page and the shop home carry a signed wx.config and the leader's
share card for a MicroMessenger user agent only."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import override_settings

from shequn.accounts import wechat_jssdk as jssdk
from shequn.core import clock
from shequn.demo.seeding import seed
from shequn.shops.models import Listing
from shequn.shops.tokens import read_share_token
from shequn.web.sim import wechat_api as sim

pytestmark = pytest.mark.django_db

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) "
             "NetType/WIFI Language/zh_CN")
SAFARI_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


@pytest.fixture(autouse=True)
def _sim():
    sim.reset()
    jssdk.set_transport(None)
    yield




@pytest.fixture(autouse=True)
def _signed_in(client):
    """Inside WeChat a signed-out buyer is signed in silently before any store page
    renders (decision 0009, tests/accounts/test_wechat_sign_in.py): these pages
    are seen signed in."""
    from tests.builders import make_buyer

    client.force_login(make_buyer())


@pytest.fixture
def demo():
    return seed()


def _product(demo):
    sku = demo.skus["KD-IF3-900"]
    listing = Listing.objects.get(shop=demo.shop, product=sku.product)
    return sku, listing


def _wx_data(html: str) -> dict | None:
    m = re.search(r'<script id="wx-share" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else None


def _live_ticket() -> str:
    """The simulator's current ticket, read from its side (not the client's cache)."""
    tickets = sim._tickets()
    assert len(tickets) == 1
    return tickets[0]["ticket"]


def test_outside_wechat_the_product_page_is_unchanged(client, demo):
    sku, _listing = _product(demo)
    resp = client.get(f"/s/{demo.shop.slug}/p/{sku.product_id}/", HTTP_USER_AGENT=SAFARI_UA)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert _wx_data(html) is None
    assert "jweixin" not in html and "wx-share.js" not in html
    assert "User-Agent" in resp["Vary"]
    assert sim.calls("token") == 0 and sim.calls("getticket") == 0


def test_in_wechat_the_product_page_carries_a_signed_config_and_the_card(client, demo):
    sku, listing = _product(demo)
    path = f"/s/{demo.shop.slug}/p/{sku.product_id}/?sku={sku.pk}&from=singlemessage"
    resp = client.get(path, HTTP_USER_AGENT=WECHAT_UA)
    assert resp.status_code == 200
    html = resp.content.decode()
    data = _wx_data(html)
    assert data is not None
    assert '/static/vendor/jweixin.js' in html and '/static/js/wx-share.js' in html
    assert "User-Agent" in resp["Vary"]

    cfg = data["config"]
    assert cfg["appId"] == settings.SHEQUN["WECHAT"]["APPID"]
    assert cfg["jsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
    # Recompute the §2.2 signature from the simulator's ticket and the page's URL.
    page_url = "http://testserver" + path
    base = (f"jsapi_ticket={_live_ticket()}&noncestr={cfg['nonceStr']}"
            f"&timestamp={cfg['timestamp']}&url={page_url}")
    import hashlib

    assert cfg["signature"] == hashlib.sha1(base.encode()).hexdigest()
    assert sim.verify_config(page_url, cfg["signature"], cfg["nonceStr"], cfg["timestamp"]) == "ok"

    share = data["share"]
    assert share["title"] == sku.product.name
    assert f"¥{Decimal(sku.price):,.2f}" in share["desc"] and demo.shop.name in share["desc"]
    assert share["imgUrl"].startswith("http://testserver/")
    # The link is the shop leader's signed share link for this listing.
    link = urlsplit(share["link"])
    assert (link.scheme, link.netloc) == ("http", "testserver")
    token = re.fullmatch(r"/t/([^/]+)/", link.path).group(1)
    payload = read_share_token(token)
    assert payload.leader_id == demo.shop.owner_id
    assert (payload.shop_id, payload.listing_id, payload.channel) == (
        demo.shop.pk, listing.pk, "link")
    assert sim.share_link_allowed(share["link"])
    # Opening it lands on this product.
    landed = client.get(link.path, HTTP_USER_AGENT=WECHAT_UA)
    assert landed.status_code == 302
    assert landed["Location"] == f"/s/{demo.shop.slug}/p/{sku.product_id}/"


def test_the_card_is_in_the_page_language(client, demo):
    sku, _listing = _product(demo)
    resp = client.get(f"/s/{demo.shop.slug}/p/{sku.product_id}/", HTTP_USER_AGENT=WECHAT_UA,
                      HTTP_ACCEPT_LANGUAGE="en")
    assert "customs cleared" in _wx_data(resp.content.decode())["share"]["desc"]


def test_token_and_ticket_are_cached_across_page_views(client, demo):
    sku, _listing = _product(demo)
    signatures = set()
    for path in (f"/s/{demo.shop.slug}/p/{sku.product_id}/", f"/s/{demo.shop.slug}/",
                 f"/s/{demo.shop.slug}/p/{sku.product_id}/"):
        data = _wx_data(client.get(path, HTTP_USER_AGENT=WECHAT_UA).content.decode())
        signatures.add(data["config"]["signature"])
        assert sim.verify_config("http://testserver" + path, data["config"]["signature"],
                                 data["config"]["nonceStr"], data["config"]["timestamp"]) == "ok"
    assert len(signatures) == 3  # a fresh nonce per page
    assert sim.calls("token") == 1 and sim.calls("getticket") == 1


def test_shop_home_shares_the_shop_link(client, demo):
    resp = client.get(f"/s/{demo.shop.slug}/", HTTP_USER_AGENT=WECHAT_UA)
    data = _wx_data(resp.content.decode())
    assert data["share"]["title"] == demo.shop.name
    token = re.fullmatch(r"/t/([^/]+)/", urlsplit(data["share"]["link"]).path).group(1)
    payload = read_share_token(token)
    assert payload.leader_id == demo.shop.owner_id and payload.listing_id is None
    assert data["share"]["imgUrl"].startswith("http://testserver/")


def test_wechat_down_leaves_the_page_without_a_card(client, demo):
    sim.inject_fault("token", -1)
    sku, _listing = _product(demo)
    resp = client.get(f"/s/{demo.shop.slug}/p/{sku.product_id}/", HTTP_USER_AGENT=WECHAT_UA)
    assert resp.status_code == 200
    assert _wx_data(resp.content.decode()) is None
    # Nothing bad was cached: once the short back-off is over, the next view gets its card.
    clock.advance(dt.timedelta(seconds=jssdk.FAILURE_BACKOFF_SECONDS + 1))
    resp = client.get(f"/s/{demo.shop.slug}/p/{sku.product_id}/", HTTP_USER_AGENT=WECHAT_UA)
    assert _wx_data(resp.content.decode()) is not None


def test_a_host_off_the_js_safe_domain_gets_no_config(client, demo):
    wechat = {**settings.SHEQUN["WECHAT"], "JS_DOMAIN": "shop.example.com"}
    with override_settings(SHEQUN={**settings.SHEQUN, "WECHAT": wechat}):
        resp = client.get(f"/s/{demo.shop.slug}/", HTTP_USER_AGENT=WECHAT_UA)
        assert _wx_data(resp.content.decode()) is None
        with override_settings(ALLOWED_HOSTS=["shop.example.com"]):
            resp = client.get(f"/s/{demo.shop.slug}/", HTTP_USER_AGENT=WECHAT_UA,
                              HTTP_HOST="shop.example.com")
            data = _wx_data(resp.content.decode())
            assert data["share"]["link"].startswith("http://shop.example.com/t/")
            assert sim.verify_config(f"http://shop.example.com/s/{demo.shop.slug}/",
                                     data["config"]["signature"], data["config"]["nonceStr"],
                                     data["config"]["timestamp"]) == "ok"
    assert sim.calls("getticket") == 1
