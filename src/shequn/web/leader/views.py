"""Leader console pages. Reads here, changes through shequn.shops.services.
Buyers appear masked (name only); a leader never sees a buyer's phone or ID."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.roles import LEADER, forbidden_response, has_role
from shequn.analytics.leader_stats import daily_series, leader_summary
from shequn.catalog.models import Product
from shequn.catalog.selectors import product_list
from shequn.commission.selectors import ProductCommission, product_commissions
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.core.pii import mask_user
from shequn.distribution.selectors import profile_for
from shequn.orders.models import Order
from shequn.orders.selectors import net_paid
from shequn.shops import services as shop_services
from shequn.shops.models import Listing, ShareVisit, Shop
from shequn.shops.selectors import shop_listings, shops_of
from shequn.web import charts
from shequn.web.htmx import HtmxHttpRequest
from shequn.web.leader.invites import invite_for

log = logging.getLogger("shequn.web.leader")
S = Order.State

# Attributed sales that count: paid and not refunded or cancelled.
SALE_STATES = (S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED)



def leader_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Leader pages: anonymous → sign-in; someone who applied but is not (or no longer)
    a leader sees where their application stands; anyone else gets the 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "/login/")
        if not has_role(request.user, LEADER):
            return not_a_leader(request)
        return view(request, *args, **kwargs)

    return wrapped


def not_a_leader(request: HttpRequest) -> HttpResponse:
    profile = profile_for(request.user)
    if profile is None or request.headers.get("HX-Request") \
            or "application/json" in request.headers.get("Accept", ""):
        return forbidden_response(request, LEADER)
    return render(request, "leader/not_yet.html", {"profile": profile, "tab": "me"},
                  status=403)


def _my_shop(user: Any) -> Shop | None:
    return shops_of(user).first()


def _today_start() -> dt.datetime:
    local = timezone.localtime(clock.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def shop_stats(shop: Shop, leader: Any) -> dict[str, Any]:
    """Visits from valid share links today and over the last 7 days, and the
    leader's attributed sales (count and amount actually paid)."""
    today = _today_start()
    visits = ShareVisit.objects.filter(shop=shop, valid=True)
    sales = Order.objects.filter(leader=leader, state__in=SALE_STATES).aggregate(
        n=Count("pk"), gmv=Sum(net_paid()))
    return {"visits_today": visits.filter(at__gte=today).count(),
            "visits_7d": visits.filter(at__gte=today - dt.timedelta(days=6)).count(),
            "orders": sales["n"] or 0, "gmv": sales["gmv"] or Decimal("0.00")}


def _no_shop(request: HttpRequest) -> HttpResponse:
    return render(request, "leader/no_shop.html", {"nav": "home"})


# --------------------------------------------------------------------------- home

@require_GET
@leader_only
def home(request: HttpRequest) -> HttpResponse:
    shop = _my_shop(request.user)
    if shop is None:
        return _no_shop(request)
    summary = leader_summary(request.user)
    series = daily_series(request.user, days=30)
    ctx = {"nav": "home", "shop": shop, "stats": shop_stats(shop, request.user),
           "summary": summary,
           # Drawn by static/js/charts.js, the one ECharts set-up of every console.
           # Visits and orders are often equal on a small shop's day: a wide filled
           # line with large rings under a thin dashed one with small diamonds keeps
           # both in sight where they meet.
           "trend_chart": charts.spec(
               [d[5:] for d in series["days"]],
               charts.series(_("Visits"), series["visits"], kind="line", color=charts.GREY_BLUE,
                             symbol="emptyCircle", size=11, width=4, area=True),
               charts.series(_("Orders"), series["orders"], kind="line", color=charts.RED,
                             symbol="diamond", size=7, dashed=True),
               integer=True, title=_("Visits and orders per day")),
           "gmv_chart": charts.spec(
               [d[5:] for d in series["days"]],
               charts.series(_("GMV"), [str(v) for v in series["gmv"]], color=charts.ORANGE),
               unit=_("CNY"), title=_("GMV per day")),
           "series_rows": list(zip(series["days"], series["visits"], series["orders"],
                                   series["gmv"], strict=True))[::-1],
           "shop_url": request.build_absolute_uri(reverse("store:shop", args=[shop.slug]))}
    return render(request, "leader/home.html", ctx)


@require_POST
@leader_only
def shop_update(request: HtmxHttpRequest) -> HttpResponse:
    shop = _my_shop(request.user)
    if shop is None:
        raise Http404("no shop")
    name, intro = request.POST.get("name", ""), request.POST.get("intro", "")
    error, ok, status = None, "", 200
    try:
        shop_services.update_shop(shop, request.user, name, intro)
        ok = _("Saved")
    except DomainError as err:
        error, status = err, err.status
        shop.refresh_from_db()
    if request.htmx:
        ctx = {"shop": shop, "ok": ok, "error": error, "form_name": name, "form_intro": intro}
        return render(request, "leader/_shop_form.html", ctx, status=status)
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, ok)
    return redirect("leader:home")


@require_POST
@leader_only
def shop_create(request: HttpRequest) -> HttpResponse:
    if _my_shop(request.user) is not None:
        return redirect("leader:home")
    try:
        shop_services.create_shop(request.user, request.POST.get("slug", ""),
                                  request.POST.get("name", ""), request.POST.get("intro", ""))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("leader:home")


# --------------------------------------------------------------------------- products

def _price_range(product: Product) -> tuple[Decimal | None, Decimal | None]:
    prices = [sku.price for sku in product.skus.all()]  # prefetched, active only
    return (min(prices), max(prices)) if prices else (None, None)


def _product_row(product: Product, listing: Listing | None,
                 commission: ProductCommission | None = None) -> dict[str, Any]:
    low, high = _price_range(product)
    if commission is None:
        commission = product_commissions(products=[product])[0]
    return {"product": product, "listed": bool(listing and listing.active),
            "price_low": low, "price_high": high, "commission": commission,
            "rate_pct": f"{commission.rate * 100:.2f}".rstrip("0").rstrip("."),
            "listing_id": listing.pk if listing is not None and listing.active else None}


@require_GET
@leader_only
def products(request: HttpRequest) -> HttpResponse:
    shop = _my_shop(request.user)
    if shop is None:
        return _no_shop(request)
    listings = {li.product_id: li for li in Listing.objects.filter(shop=shop)}
    products = list(product_list())
    commissions = {c.product_id: c for c in product_commissions(products=products)}
    rows = [_product_row(p, listings.get(p.pk), commissions[p.pk]) for p in products]
    ctx = {"nav": "products", "shop": shop, "rows": rows,
           "listed": sum(1 for r in rows if r["listed"])}
    return render(request, "leader/products.html", ctx)


@require_POST
@leader_only
def toggle_listing(request: HtmxHttpRequest, product_id: int) -> HttpResponse:
    """上架 / 下架: list the product in the shop or take it down."""
    shop = _my_shop(request.user)
    if shop is None:
        raise Http404("no shop")
    product = product_list().filter(pk=product_id).first()
    listing = Listing.objects.filter(shop=shop, product_id=product_id).first()
    if product is None and listing is None:
        raise Http404("no such product")
    error, status = None, 200
    try:
        if listing is not None and listing.active:
            listing = shop_services.remove_listing(shop, request.user, listing)
        else:
            if product is None:  # listed earlier, no longer sellable
                product = Product.objects.get(pk=product_id)
            listing = shop_services.add_listing(shop, request.user, product)
    except DomainError as err:
        error, status = err, err.status
        listing = Listing.objects.filter(shop=shop, product_id=product_id).first()
    if not request.htmx:
        if error is not None:
            messages.error(request, error.message)
        return redirect("leader:products")
    if product is None:
        assert listing is not None  # product is None only for an existing listing
        product = product_list().filter(pk=product_id).first() or listing.product
    row = _product_row(product, listing)
    return render(request, "leader/_product_row.html", {"row": row, "error": error},
                  status=status)


# --------------------------------------------------------------------------- share

def qr_svg(url: str) -> str:
    """An inline SVG QR code, made locally (nothing is fetched)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, title=_("QR code"))
    # Safe: segno writes only path data (the URL is encoded as modules, not text).
    return mark_safe(svg)  # noqa: S308


@require_GET
@leader_only
def share(request: HttpRequest) -> HttpResponse:
    shop = _my_shop(request.user)
    if shop is None:
        return _no_shop(request)
    abs_url = request.build_absolute_uri
    shop_link = abs_url(shop_services.share_url(shop))
    cards = []
    for listing in shop_listings(shop):
        link = abs_url(shop_services.share_url(shop, listing))
        # The QR code carries its own channel so scans and clicks can be told apart.
        code_link = abs_url(shop_services.share_url(shop, listing, channel="code"))
        cards.append({"listing": listing, "link": link, "qr": qr_svg(code_link),
                      "poster": reverse("leader:poster_product", args=[listing.pk])})
    ctx = {"nav": "share", "shop": shop, "shop_link": shop_link,
           "invite": invite_for(request.user),
           "shop_qr": qr_svg(abs_url(shop_services.share_url(shop, channel="code"))),
           "cards": cards}
    return render(request, "leader/share.html", ctx)


# --------------------------------------------------------------------------- orders

@require_GET
@leader_only
def orders(request: HttpRequest) -> HttpResponse:
    qs = (Order.objects.filter(leader=request.user.pk).select_related("shop", "user")
          .prefetch_related("lines__sku__product").order_by("-created_at")[:200])
    rows = [{"number": o.number, "created_at": o.created_at, "state": o.state,
             "state_label": o.get_state_display(),
             "buyer": mask_user(o.user), "amount": o.actual_paid,
             "items": [(line.display_name, line.qty) for line in o.lines.all()],
             "counts": o.state in SALE_STATES}
            for o in qs]
    return render(request, "leader/orders.html", {"nav": "orders", "rows": rows,
                                                  "stats_states": SALE_STATES})
