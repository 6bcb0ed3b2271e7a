"""Share posters as PNG at leader URLs. Drawing is in shequn.distribution.posters;
this module picks the leader's own shop, listing or invite link, and serves the
picture with caching headers (a poster is drawn at most once an hour per link, host
and language; browsers revalidate with the ETag)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from shequn.accounts import profile
from shequn.catalog.selectors import cover
from shequn.distribution import posters
from shequn.shops.selectors import shop_listings
from shequn.web.leader.invites import invite_for
from shequn.web.leader.views import _my_shop, leader_only

MAX_AGE = 3600


def _png_response(request: HttpRequest, key: str, draw: Callable[[], bytes],
                  filename: str) -> HttpResponse:
    # Cached per host (the QR code holds an absolute link) and per language (its text).
    scope = f"{key}|{request.get_host()}|{get_language()}"
    cache_key = "poster:" + hashlib.sha256(scope.encode()).hexdigest()
    png = cache.get(cache_key)
    if png is None:
        png = draw()
        cache.set(cache_key, png, MAX_AGE)
    etag = '"' + hashlib.sha256(png).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        resp: HttpResponse = HttpResponseNotModified()
    else:
        resp = HttpResponse(png, content_type="image/png")
        resp["Content-Disposition"] = f'inline; filename="{filename}"'
    resp["ETag"] = etag
    # A picture, not a page: Chromium shows it in a viewer document with inline
    # styles, which the site's CSP (no inline styles) would block.
    resp._csp_exempt = True  # type: ignore[attr-defined]
    # private: the poster carries this leader's signed link; never a shared cache.
    resp["Cache-Control"] = f"private, max-age={MAX_AGE}"
    return resp


@require_GET
@leader_only
def product_poster(request: HttpRequest, listing_id: int) -> HttpResponse:
    shop = _my_shop(request.user)
    # Only what the shop sells: a product taken off sale or awaiting review
    # again drew a poster whose link opened a page that is not there.
    listing = (shop_listings(shop).filter(pk=listing_id)
               .select_related("product__brand").first() if shop else None)
    if shop is None or listing is None:  # another leader's listing looks like none
        raise Http404("no such listing")
    product = listing.product
    prices = [sku.price for sku in product.skus.filter(active=True)]
    first = cover(product)
    leader: Any = request.user

    def draw() -> bytes:
        url = request.build_absolute_uri(posters.poster_path(shop, listing))
        return posters.product_poster(product=product, shop_name=shop.name, url=url,
                                      prices=prices, leader_name=leader.display_name or "",
                                      avatar=profile.avatar_bytes(leader),
                                      photo=first.read() if first else None)

    # The language is in every key (_png_response); the name drawn is the one
    # of the language (Product.display_name).
    key = (f"product|{shop.pk}|{listing.pk}|{shop.name}|{product.display_name}|"
           f"{product.brand.display_name}|{product.image}|"
           f"{first.sha256 if first else ''}|"
           f"{sorted(prices)}|{leader.display_name}|{leader.avatar.name}")
    return _png_response(request, key, draw, f"poster-{listing.pk}.png")


@require_GET
@leader_only
def shop_poster(request: HttpRequest) -> HttpResponse:
    shop = _my_shop(request.user)
    if shop is None:
        raise Http404("no shop")
    leader: Any = request.user

    def draw() -> bytes:
        url = request.build_absolute_uri(posters.poster_path(shop))
        return posters.shop_poster(shop_name=shop.name, intro=shop.intro, url=url,
                                   leader_name=leader.display_name or "",
                                   avatar=profile.avatar_bytes(leader))

    key = f"shop|{shop.pk}|{shop.name}|{shop.intro}|{leader.display_name}|{leader.avatar.name}"
    return _png_response(request, key, draw, f"shop-{shop.slug}.png")


@require_GET
@leader_only
def invite_poster(request: HttpRequest) -> HttpResponse:
    invite = invite_for(request.user)
    if invite is None:
        raise Http404("invitations are not available")
    url = request.build_absolute_uri(invite.path)
    leader: Any = request.user
    name = leader.display_name or ""

    def draw() -> bytes:
        return posters.invite_poster(leader_name=name, url=url, code=invite.code)

    return _png_response(request, f"invite|{leader.pk}|{invite.code}|{url}|{name}", draw,
                         "invite.png")
