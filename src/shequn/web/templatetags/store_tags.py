"""Store chrome: the cart badge, the home link of the bottom tab bar and the
customer-service contact."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.conf import settings

from shequn.catalog import names

register = template.Library()

# The shop the buyer came through; the 首页 tab goes back there.
SHOP_SESSION_KEY = "store_shop_slug"


def cart_count_for(request: Any) -> int:
    """Items in the session's cart without creating one (a read must not write)."""
    if request is None or not hasattr(request, "session"):
        return 0
    from shequn.checkout.cart import cart_for_session, summary

    cart = cart_for_session(request.session, getattr(request, "user", None), create=False)
    if cart is None:
        return 0
    return summary(cart).count


@register.simple_tag(takes_context=True)
def cart_count(context: template.Context) -> int:
    return cart_count_for(context.get("request"))


@register.simple_tag(takes_context=True)
def store_home_url(context: template.Context) -> str:
    request = context.get("request")
    slug = request.session.get(SHOP_SESSION_KEY) if request is not None else None
    return f"/s/{slug}/" if slug else "/"


def contact_href(contact: str) -> str:
    """The link that reaches ``contact``: mailto: for an e-mail address, tel: for a
    phone number, the address itself for an http(s) link; "" otherwise (shown as text)."""
    text = contact.strip()
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        return f"mailto:{text}"
    if re.match(r"https?://\S+$", text):
        return text
    digits = re.sub(r"[\s()-]", "", text)
    if re.fullmatch(r"\+?\d{5,20}", digits):
        return f"tel:{digits}"
    return ""


@register.inclusion_tag("store/_support.html")
def support_contact() -> dict[str, str]:
    """联系客服 where a buyer looks for it (order, return), only when the platform
    configured SHEQUN_SUPPORT_CONTACT: nothing at all otherwise."""
    contact = str(settings.SHEQUN.get("SUPPORT_CONTACT") or "").strip()
    return {"contact": contact, "href": contact_href(contact) if contact else ""}


@register.filter
def static_src(path: str) -> str:
    """Product.image holds a static path: either already under STATIC_URL
    ("/static/img/x.svg") or relative to it ("img/x.svg")."""
    from django.templatetags.static import static

    path = (path or "").strip()
    if not path:
        return ""
    if path.startswith("/"):
        return path
    return static(path)


@register.filter
def picture_src(product: Any, big: bool = False) -> str:
    """The product's first uploaded picture (its thumbnail unless ``big``), else its
    static illustration (Product.image), else "" (the initial placeholder)."""
    from shequn.catalog.selectors import cover

    if product is None:
        return ""
    first = cover(product) if getattr(product, "pk", None) else None
    if first is not None:
        return first.url(thumb=not big)
    return static_src(getattr(product, "image", "") or "")


@register.filter
def initial(text: str) -> str:
    """First meaningful character, for a picture placeholder."""
    for ch in text or "":
        if ch.isalnum() and not ch.isascii():
            return ch
    return (text or "?")[:1]


def _net_content(sku: Any) -> str:
    content = getattr(sku, "net_content", None)
    unit = getattr(sku, "net_content_unit", "")
    if content is not None and unit in ("ml", "g"):
        return f"{content.normalize():f} {unit}"
    return ""


@register.filter
def option_name(sku: Any) -> str:
    """The option a buyer picks, e.g. ``30ml/瓶``: the specification field of the
    customs ``gmodel`` (brand|name|specification|…), not the whole declaration
    string; without one, the net content (``30 ml``). English pages (one language
    per page, catalog.names) take the SKU's ``label_en``; without one the net
    content, which reads the same in both languages, before the Chinese text."""
    if names.english():
        english = names.shown("", getattr(sku, "label_en", "") or "") or _net_content(sku)
        if english:
            return english
    parts = [p.strip() for p in (getattr(sku, "gmodel", "") or "").split("|")]
    if len(parts) >= 3 and parts[2]:
        return parts[2]
    content = _net_content(sku)
    if content:
        return content
    return parts[-1] if parts and parts[-1] else getattr(sku, "code", "")
