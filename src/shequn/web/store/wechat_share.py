"""Share cards inside WeChat (specs/wechat-channel.md §2.2).

When a buyer page (product, shop home) is opened in WeChat's in-app browser
(the User-Agent says ``MicroMessenger``), the page carries a signed
``wx.config`` and the card to share — title, a description with the price in
CNY, an absolute picture URL and the shop leader's signed share link — as a JSON
data block; ``static/js/wx-share.js`` hands them to the JS-SDK (vendored, loaded
only then). Elsewhere the pages are unchanged and no SDK is loaded.

The signed URL is the page's own absolute URL (no fragment ever reaches the
server). With ``WECHAT["JS_DOMAIN"]`` set, a page served on another host gets
no ``wx.config``: WeChat would refuse it ("invalid url domain")."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from shequn.accounts import wechat_jssdk
from shequn.shops.models import Listing, Shop

log = logging.getLogger(__name__)


def in_wechat(request: HttpRequest) -> bool:
    return "micromessenger" in request.META.get("HTTP_USER_AGENT", "").lower()


def js_domains() -> list[str]:
    raw = str(wechat_jssdk.config().get("JS_DOMAIN", "") or "")
    return [d.strip().lower() for d in raw.split(",") if d.strip()]


def _host(request: HttpRequest) -> str:
    host = request.get_host().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def share_context(request: HttpRequest, shop: Shop, *, title: str, desc: str,
                  image: str = "", listing: Listing | None = None) -> dict[str, Any]:
    """``{"wx_share": {...}}`` for the template, or ``{}`` outside WeChat or when
    the JS-SDK cannot be configured (the page then simply has no card)."""
    if not in_wechat(request) or not wechat_jssdk.is_configured():
        return {}
    domains = js_domains()
    if domains and _host(request) not in domains:
        log.info("wechat share: host not on the JS safe domains; no wx.config")
        return {}
    from shequn.shops.services import share_url

    try:
        signed = wechat_jssdk.js_config(request.build_absolute_uri())
    except wechat_jssdk.WechatApiError as err:
        log.warning("wechat share: no jsapi_ticket (%s)", err.errcode or err)
        return {}
    share = {
        "title": title,
        "desc": desc,
        "link": request.build_absolute_uri(share_url(shop, listing, channel="link")),
        "imgUrl": request.build_absolute_uri(image) if image else "",
    }
    return {"wx_share": {"config": signed.as_json(), "share": share}}


def vary_on_agent(response: HttpResponse) -> HttpResponse:
    """The page differs inside WeChat: caches must keep the two apart."""
    patch_vary_headers(response, ("User-Agent",))
    return response
