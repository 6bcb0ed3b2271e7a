"""Issue 12 in real Chromium at phone size: a buyer opens a leader's shared product
link inside WeChat (a MicroMessenger user agent). A fake ``wx`` object, installed
before any page script, records what the page's script does with the JS-SDK: it
must call ``wx.config`` with a signature this test recomputes from the
simulator's ticket and the page's URL, then, in ``wx.ready``, hand the product's
title and the leader's signed share link to ``updateAppMessageShareData``.
Screenshots: test-artifacts/browser/wx-share-product{,-fold}.png."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) "
             "NetType/WIFI Language/zh_CN")

# Stands in for WeChat's bridge: the vendored SDK returns an existing window.jWeixin,
# so this object is what the page script talks to.
FAKE_WX = """
(() => {
  const calls = [];
  const record = (name) => (arg) => {
    if (typeof arg === "function") {
      calls.push([name, null]);
      if (name === "ready") arg();
      return;
    }
    calls.push([name, JSON.parse(JSON.stringify(arg === undefined ? null : arg))]);
  };
  const wx = {};
  for (const n of ["config", "ready", "error", "updateAppMessageShareData",
                   "updateTimelineShareData"]) wx[n] = record(n);
  window.__wxCalls = calls;
  window.wx = window.jWeixin = wx;
})();
"""


def _wechat_page(page: Any) -> None:
    """Make this page WeChat's in-app browser (header and navigator.userAgent)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.setUserAgentOverride", {"userAgent": WECHAT_UA})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_shared_product_link_configures_the_share_card(server, browser_page, shot):
    from shequn.demo.seeding import seed
    from shequn.shops.models import Listing
    from shequn.shops.services import share_url
    from shequn.shops.tokens import read_share_token
    from shequn.web.sim import wechat_api as sim

    sim.reset()
    demo = seed()
    sku = demo.skus["KD-IF3-900"]
    listing = Listing.objects.get(shop=demo.shop, product=sku.product)
    page = browser_page
    _wechat_page(page)

    # Without the fake: the vendored SDK defines window.wx by itself (Makefile wrapper).
    page.goto(server.url + f"/s/{demo.shop.slug}/")
    assert page.evaluate("typeof window.wx === 'object' && typeof window.wx.config") == \
        "function"

    page.add_init_script(FAKE_WX)
    page.goto(server.url + share_url(demo.shop, listing))  # the leader's shared link
    page.wait_for_url(re.compile(rf"/s/{demo.shop.slug}/p/{sku.product_id}/$"))
    page.wait_for_function("window.__wxCalls.some(c => c[0] === 'updateTimelineShareData')")
    calls = page.evaluate("window.__wxCalls")
    names = [c[0] for c in calls]
    assert names.index("config") < names.index("ready") < names.index(
        "updateAppMessageShareData")

    cfg = next(arg for name, arg in calls if name == "config")
    assert cfg["debug"] is False
    assert cfg["jsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
    ticket = sim._tickets()[-1]["ticket"]
    url = page.url.split("#")[0]
    base = (f"jsapi_ticket={ticket}&noncestr={cfg['nonceStr']}&timestamp={cfg['timestamp']}"
            f"&url={url}")
    assert cfg["signature"] == hashlib.sha1(base.encode()).hexdigest()
    assert sim.verify_config(url, cfg["signature"], cfg["nonceStr"], cfg["timestamp"]) == "ok"

    card = next(arg for name, arg in calls if name == "updateAppMessageShareData")
    assert card["title"] == sku.product.name
    assert "¥" in card["desc"]
    assert card["imgUrl"].startswith(server.url + "/")
    link = urlsplit(card["link"])
    assert f"{link.scheme}://{link.netloc}" == server.url
    payload = read_share_token(re.fullmatch(r"/t/([^/]+)/", link.path).group(1))
    assert (payload.leader_id, payload.listing_id) == (demo.shop.owner_id, listing.pk)
    timeline = next(arg for name, arg in calls if name == "updateTimelineShareData")
    assert timeline["link"] == card["link"] and timeline["title"] == card["title"]
    # Both views shared one token and one ticket.
    assert sim.calls("token") == 1 and sim.calls("getticket") == 1
    # What the buyer sees is the ordinary product page (the card is WeChat's UI).
    page.screenshot(path=str(ARTIFACTS / "wx-share-product-fold.png"))  # 390×844
    shot("wx-share-product")
