"""Buyer store pages. Views only parse input, call the domains' selectors and
services, and render; every rule lives in the domain code. A ``DomainError``
becomes a page (or, for htmx, a fragment) with its message in the page's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequn.checkout.errors import CheckoutError
from shequn.core.errors import CommonError, DomainError
from shequn.core.money import ZERO
from shequn.shops.models import Listing, Shop
from shequn.web.htmx import HtmxHttpRequest
from shequn.web.store import offers, wechat_share
from shequn.web.store.forms import (
    ADDRESS_FIELDS,
    IDENTITY_FIELDS,
    field_for_error,
    parse_int,
)
from shequn.web.templatetags.money import yuan
from shequn.web.templatetags.store_tags import SHOP_SESSION_KEY, cart_count_for, picture_src

log = logging.getLogger("shequn.web.store")

# The identity / address the buyer last picked at checkout.
IDENTITY_SESSION_KEY = "checkout_identity_id"
ADDRESS_SESSION_KEY = "checkout_address_id"


# --------------------------------------------------------------------------- errors

def error_response(request: HttpRequest, err: DomainError) -> HttpResponse:
    ctx = {"error": err}
    if getattr(request, "htmx", False):
        resp = render(request, "store/_error.html", ctx, status=err.status)
        # Errors always land in the toast, whatever the element asked for.
        resp["HX-Retarget"] = "#toast"
        resp["HX-Reswap"] = "innerHTML"
        return resp
    return render(request, "store/error.html", ctx, status=err.status)


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as err:
            log.info("store %s: %s", request.path, err.code)
            return error_response(request, err)

    return wrapper


def _not_found() -> DomainError:
    return CommonError.NOT_FOUND.error()


# --------------------------------------------------------------------------- shop

def home(request: HttpRequest) -> HttpResponse:
    shops = list(Shop.objects.filter(active=True).order_by("created_at", "id"))
    if len(shops) == 1:  # a pending message travels along to the shop page
        return redirect("store:shop", slug=shops[0].slug)
    return render(request, "store/home.html", {"shops": shops, "tab": "home"})


def _shop(slug: str) -> Shop:
    from shequn.shops.selectors import get_shop_by_slug

    shop = get_shop_by_slug(slug)
    if shop is None or not shop.active:
        raise _not_found()
    return shop


@domain_errors
def shop_home(request: HttpRequest, slug: str) -> HttpResponse:
    from shequn.shops.selectors import shop_listings

    shop = _shop(slug)
    request.session[SHOP_SESSION_KEY] = shop.slug
    cards = offers.product_cards(list(shop_listings(shop)))
    ctx: dict[str, Any] = {"shop": shop, "cards": cards, "tab": "home"}
    ctx.update(_shop_share(request, shop, cards))
    return wechat_share.vary_on_agent(render(request, "store/shop.html", ctx))


def _shop_share(request: HttpRequest, shop: Shop, cards: list[Any]) -> dict[str, Any]:
    """The WeChat share card of a shop: its name, intro and first product's picture."""
    if not wechat_share.in_wechat(request):
        return {}
    desc = shop.intro or _("Imported goods picked by %(shop)s, customs cleared") % {
        "shop": shop.name}
    image = picture_src(cards[0].product) if cards else ""
    return wechat_share.share_context(request, shop, title=shop.name, desc=desc[:120],
                                      image=image)


@domain_errors
def product_page(request: HttpRequest, slug: str, product_id: int) -> HttpResponse:
    from shequn.brands import chain
    from shequn.catalog.selectors import product_detail

    shop = _shop(slug)
    listing = (Listing.objects.filter(shop=shop, product_id=product_id)
               .order_by("-active").first())
    if listing is None:
        raise _not_found()
    product = product_detail(product_id)
    skus = list(product.skus.all())
    if not skus:
        raise CheckoutError.NOT_SELLABLE.error(product=product_id)
    wanted = parse_int(request.GET.get("sku"), default=0)
    sku = next((s for s in skus if s.pk == wanted), skus[0])
    # The authorization chain the buyer is shown (brand owner → importer →
    # platform); without one the item is not sold (暂停销售). A listing taken
    # down because the chain broke still answers links already shared, with
    # 暂停销售 instead of a dead page; one the leader removed is gone.
    view = chain.chain_for_product(product, sku)
    if not listing.active and view is not None:
        raise _not_found()
    request.session[SHOP_SESSION_KEY] = shop.slug
    ctx = {
        "shop": shop, "listing": listing, "product": product, "skus": skus, "sku": sku,
        "offer": offers.sku_offer(sku), "tab": "home", "chain": view, "paused": view is None,
        "fefo_expiry": _fefo_expiry(product, sku),
    }
    if wechat_share.in_wechat(request):
        desc = _("%(price)s at %(shop)s: imported, customs cleared") % {
            "price": yuan(sku.price), "shop": shop.name}
        ctx.update(wechat_share.share_context(request, shop, title=product.display_name, desc=desc,
                                              image=picture_src(product), listing=listing))
    return wechat_share.vary_on_agent(render(request, "store/product.html", ctx))


def _fefo_expiry(product: Any, sku: Any) -> Any:
    """Food and formula (a category with a shelf-life rule): the expiry date of
    the batch the buyer would get now (the one FEFO reserves first)."""
    from shequn.inventory.models import ShelfLifeRule
    from shequn.inventory.selectors import fefo_batch

    if not product.category_id or not ShelfLifeRule.objects.filter(
            category_id=product.category_id).exists():
        return None
    batch = fefo_batch(sku.pk)
    return batch.expiry if batch else None


def share_link(request: HttpRequest, token: str) -> HttpResponse:
    """Open a leader's share link. The token is verified by the shops domain;
    a tampered or expired one attributes nothing and lands on the home page."""
    from shequn.checkout.cart import cart_for_session
    from shequn.shops.services import open_share_link

    cart = cart_for_session(request.session, request.user, create=True)
    if not request.session.session_key:
        request.session.save()
    try:
        visit = open_share_link(token, session_key=request.session.session_key or "", cart=cart)
    except DomainError as err:
        log.info("share link refused: %s", err.code)
        visit = None
    if visit is None or not visit.valid or visit.shop is None or not visit.shop.active:
        messages.info(request, _("This share link is invalid or has expired; have a look "
                                 "around the shops."))
        return redirect("/")
    shop = visit.shop
    from shequn.distribution.hooks import after_share_visit

    after_share_visit(request.user, visit, cart)  # binding policy → effective attribution
    request.session[SHOP_SESSION_KEY] = shop.slug
    if visit.listing_id and visit.listing is not None:
        return redirect("store:product", slug=shop.slug, product_id=visit.listing.product_id)
    return redirect("store:shop", slug=shop.slug)


# --------------------------------------------------------------------------- cart

def _cart_context(request: HttpRequest) -> dict[str, Any]:
    from shequn.checkout.cart import cart_for_session, summary

    cart = cart_for_session(request.session, request.user, create=False)
    return {"summary": summary(cart) if cart is not None else None, "tab": "cart"}


def cart_page(request: HttpRequest) -> HttpResponse:
    return render(request, "store/cart.html", _cart_context(request))


def _listing_for(sku_product_id: int, raw: str | None) -> int | None:
    """Only a real, active listing of this very product is kept on the line."""
    listing_id = parse_int(raw, default=0)
    if not listing_id:
        return None
    ok = Listing.objects.filter(pk=listing_id, product_id=sku_product_id, active=True,
                                shop__active=True).exists()
    return listing_id if ok else None


@require_POST
@domain_errors
def cart_add(request: HtmxHttpRequest) -> HttpResponse:
    from shequn.catalog.selectors import get_sku
    from shequn.checkout.cart import add_item, cart_for_session

    sku_id = parse_int(request.POST.get("sku_id"), error=CheckoutError.UNKNOWN_SKU)
    qty = parse_int(request.POST.get("qty", "1"), error=CheckoutError.INVALID_QTY)
    sku = get_sku(sku_id)
    listing_id = _listing_for(sku.product_id, request.POST.get("listing_id"))
    cart = cart_for_session(request.session, request.user, create=True)
    buy_now = bool(request.POST.get("buy_now"))
    add_item(cart, sku.pk, qty, listing_id=listing_id, at_least=buy_now)
    if buy_now:
        target = reverse("store:checkout")
        if request.htmx:
            resp = HttpResponse(status=204)
            resp["HX-Redirect"] = target
            return resp
        return redirect(target)
    if request.htmx:
        return render(request, "store/_added.html",
                      {"n_cart": cart_count_for(request), "sku": sku, "qty": qty})
    messages.success(request, _("Added to cart"))
    return redirect("store:cart")


@require_POST
@domain_errors
def cart_set(request: HtmxHttpRequest) -> HttpResponse:
    from shequn.checkout.cart import cart_for_session, set_qty

    sku_id = parse_int(request.POST.get("sku_id"), error=CheckoutError.UNKNOWN_SKU)
    qty = parse_int(request.POST.get("qty"), error=CheckoutError.INVALID_QTY)
    cart = cart_for_session(request.session, request.user, create=False)
    if cart is None:
        raise CheckoutError.EMPTY_CART.error()
    set_qty(cart, sku_id, qty)
    if request.htmx:
        ctx = _cart_context(request)
        ctx["n_cart"] = ctx["summary"].count if ctx["summary"] else 0
        return render(request, "store/_cart_body.html", {**ctx, "oob_badge": True})
    return redirect("store:cart")


# --------------------------------------------------------------------------- checkout

def _pick(objs: list[Any], *candidates: Any) -> Any:
    for raw in candidates:
        wanted = parse_int(raw, default=0)
        for obj in objs:
            if obj.pk == wanted:
                return obj
    return objs[0] if objs else None


@dataclass
class ParcelRow:
    line: Any
    tax: Any  # the engine's LineTax
    total: Decimal  # price × qty, what the buyer pays for the goods of the line


@dataclass
class Parcel:
    """One parcel of the checkout as the buyer reads it: its lines' totals add up
    to ``goods``, and goods + freight + ``tax_on_top`` is what the parcel costs.
    In 包税 mode the engine's goods value is net of tax, so the tax the prices
    already contain (``tax_included``) is shown apart from any tax charged on
    top of them (on the freight)."""
    group: Any
    rows: list[ParcelRow]
    goods: Decimal
    tax_included: Decimal
    tax_on_top: Decimal

    @property
    def refused(self) -> bool:
        return bool(self.group.quote.regime == "refused")


def _parcel(group: Any) -> Parcel:
    rows = [ParcelRow(line=line, tax=lt, total=line.sku.price * line.qty)
            for line, lt in zip(group.lines, group.quote.lines, strict=True)]
    goods = sum((row.total for row in rows), ZERO)
    included = goods - group.quote.goods_value if group.price_includes_tax else ZERO
    return Parcel(group=group, rows=rows, goods=goods, tax_included=included,
                  tax_on_top=group.quote.tax_total - included)


@dataclass
class GrandTotal:
    goods: Decimal
    freight: Decimal
    tax_on_top: Decimal


def _grand_total(parcels: list[Parcel]) -> GrandTotal:
    return GrandTotal(goods=sum((p.goods for p in parcels), ZERO),
                      freight=sum((p.group.freight for p in parcels), ZERO),
                      tax_on_top=sum((p.tax_on_top for p in parcels), ZERO))


def _checkout_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    from shequn.checkout.cart import cart_for_session, summary
    from shequn.checkout.identities import list_addresses, list_identities
    from shequn.checkout.services import quote_checkout

    user = request.user
    identities = list(list_identities(user))
    addresses = list(list_addresses(user))
    identity = _pick(identities, request.GET.get("identity_id"),
                     request.session.get(IDENTITY_SESSION_KEY))
    address = _pick(addresses, request.GET.get("address_id"),
                    request.session.get(ADDRESS_SESSION_KEY))
    cart = cart_for_session(request.session, user, create=False)
    cart_summary = summary(cart) if cart is not None else None
    quote = None
    quote_error = None
    if cart is not None and cart_summary is not None and cart_summary.lines:
        try:
            quote = quote_checkout(cart, identity=identity)
        except DomainError as err:
            quote_error = err
    shipments = [_parcel(g) for g in (quote.groups if quote else [])]
    ctx: dict[str, Any] = {
        "cart": cart, "summary": cart_summary, "quote": quote, "quote_error": quote_error,
        "shipments": shipments,
        # One parcel's card already says everything; several need a grand total.
        "grand": _grand_total(shipments) if len(shipments) > 1 else None,
        "identities": identities, "addresses": addresses,
        "identity": identity, "address": address,
        "identity_form": {}, "address_form": {}, "identity_errors": {}, "address_errors": {},
        "refusal": offers.refusal_text(quote.refused_code) if quote and quote.refused_code
        else None,
        "single_limit": offers.SINGLE_LIMIT, "annual_limit": offers.ANNUAL_LIMIT,
        "tab": "cart",
    }
    ctx.update(extra)
    return ctx


def _phone_first(request: HttpRequest) -> HttpResponse | None:
    """A WeChat-signed-in buyer binds a verified phone before ordering (once)."""
    from shequn.accounts.wechat_signin import needs_phone

    if not needs_phone(request.user):
        return None
    target = f"/bind-phone/?next={reverse('store:checkout')}"
    if getattr(request, "htmx", False):
        resp = HttpResponse(status=204)
        resp["HX-Redirect"] = target
        return resp
    return redirect(target)


@login_required
def checkout_page(request: HtmxHttpRequest) -> HttpResponse:
    if (gate := _phone_first(request)) is not None:
        return gate
    from shequn.checkout.identities import (
        add_address,
        add_identity,
        address_problems,
        identity_problems,
    )

    if request.method != "POST":
        ctx = _checkout_context(request)
        if request.htmx:
            return render(request, "store/_checkout_main.html", ctx)
        return render(request, "store/checkout.html", ctx)

    action = request.POST.get("action")
    if action == "add_identity":
        data = {f: request.POST.get(f, "").strip() for f in IDENTITY_FIELDS}
        # Every field's error at once; add_identity would stop at the first.
        errors = identity_problems(data["name"], data["id_number"], data["phone"])
        try:
            if errors:
                raise next(iter(errors.values()))
            identity = add_identity(request.user, data["name"], data["id_number"], data["phone"])
        except DomainError as err:
            errors = errors or {field_for_error("identity", err.code): err}
            ctx = _checkout_context(request, identity_form=data,
                                    identity_errors=errors, open_identity=True)
            return render(request, "store/checkout.html", ctx, status=err.status)
        request.session[IDENTITY_SESSION_KEY] = identity.pk
        messages.success(request, _("Buyer's real name saved"))
        return redirect("store:checkout")
    if action == "add_address":
        data = {f: request.POST.get(f, "").strip() for f in ADDRESS_FIELDS}
        fields = [data[f] for f in ADDRESS_FIELDS]
        errors = address_problems(*fields)
        try:
            if errors:
                raise next(iter(errors.values()))
            address = add_address(request.user, *fields)
        except DomainError as err:
            errors = errors or {field_for_error("address", err.code): err}
            ctx = _checkout_context(request, address_form=data,
                                    address_errors=errors, open_address=True)
            return render(request, "store/checkout.html", ctx, status=err.status)
        request.session[ADDRESS_SESSION_KEY] = address.pk
        messages.success(request, _("Address saved"))
        return redirect("store:checkout")
    return redirect("store:checkout")


@login_required
@require_POST
def checkout_place(request: HttpRequest) -> HttpResponse:
    if (gate := _phone_first(request)) is not None:
        return gate
    from shequn.checkout.cart import cart_for_session
    from shequn.checkout.services import place_order
    from shequn.distribution.hooks import before_place
    from shequn.payments.services import start_payment

    identity_id = parse_int(request.POST.get("identity_id"), default=0)
    address_id = parse_int(request.POST.get("address_id"), default=0)
    try:
        if not identity_id:
            raise CheckoutError.IDENTITY_NOT_FOUND.error()
        if not address_id:
            raise CheckoutError.ADDRESS_NOT_FOUND.error()
        version = parse_int(request.POST.get("expected_version"),
                            error=CheckoutError.STALE_CART)
        cart = cart_for_session(request.session, request.user, create=False)
        if cart is None:
            raise CheckoutError.EMPTY_CART.error()
        before_place(request.user, cart)  # a lapsed binding attributes nothing
        orders = place_order(user=request.user, cart=cart, identity_id=identity_id,
                             address_id=address_id, expected_version=version)
    except DomainError as err:
        log.info("place_order refused: %s", err.code)
        ctx = _checkout_context(request, place_error=err)
        return render(request, "store/checkout.html", ctx, status=err.status)
    request.session[IDENTITY_SESSION_KEY] = identity_id
    request.session[ADDRESS_SESSION_KEY] = address_id
    checkout_id = orders[0].checkout_id
    try:
        url = start_payment(request.user, checkout_id)
    except DomainError as err:
        # The orders exist and wait for payment: the buyer can pay from the list.
        messages.error(request, err.message)
        return redirect(f"{reverse('store:orders')}?checkout={checkout_id}")
    return redirect(url)


# --------------------------------------------------------------------------- orders

# The order list's tabs: (key, label, order states shown); 售后 is "has a return".
ORDER_TABS = (
    ("all", gettext_lazy("All"), None),
    ("unpaid", gettext_lazy("To pay"), ("pending_payment",)),
    ("to_ship", gettext_lazy("To ship"), ("paid", "on_hold")),
    ("to_receive", gettext_lazy("To receive"), ("shipped",)),
    ("after_sales", gettext_lazy("After-sales"), None),
)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    from shequn.customs.selectors import clearance_labels
    from shequn.orders.models import AfterSale
    from shequn.orders.selectors import orders_for_user

    orders = list(orders_for_user(request.user))
    checkout = request.GET.get("checkout", "")
    just_paid = [o for o in orders if str(o.checkout_id) == checkout]
    with_returns = set(AfterSale.objects.filter(order__in=[o.pk for o in orders])
                       .values_list("order_id", flat=True))

    def in_tab(order: Any, key: str, states: tuple[str, ...] | None) -> bool:
        if key == "after_sales":
            return order.pk in with_returns or order.state == "refunded"
        return states is None or order.state in states

    current = request.GET.get("status", "all")
    if current not in {key for key, _label, _states in ORDER_TABS}:
        current = "all"
    tabs = [{"key": key, "label": label, "current": key == current,
             "count": sum(1 for o in orders if in_tab(o, key, states))}
            for key, label, states in ORDER_TABS]
    states = next(s for key, _label, s in ORDER_TABS if key == current)
    shown = [o for o in orders if in_tab(o, current, states) or o in just_paid]
    clearance = clearance_labels(o.pk for o in shown)
    return render(request, "store/orders.html", {
        "rows": [{"order": o, "clearance": clearance.get(o.pk)} for o in shown],
        "tabs": tabs, "status": current, "just_paid": just_paid, "tab": "orders",
        "payment_outcome": _payment_outcome(just_paid),
    })


def _payment_outcome(orders: list[Any]) -> str:
    """What the banner above the orders of a checkout just paid says: "held" when the
    payment arrived but an order waits for verification (the payer is not the buyer),
    "paid" when every order is paid, else "waiting" (the notification has not come)."""
    from shequn.orders.models import Order

    states = {o.state for o in orders}
    if Order.State.ON_HOLD in states:
        return "held"
    if states and Order.State.PENDING_PAYMENT not in states:
        return "paid"
    return "waiting"


@dataclass
class OrderAmounts:
    """An order's goods as the checkout showed them (``_parcel``): the prices
    paid; in 包税 mode the order's goods value is net of the tax the prices
    contain (``tax_included``), and only ``tax_on_top`` was charged on top."""
    goods: Decimal
    tax_included: Decimal
    tax_on_top: Decimal


def _order_amounts(order: Any, lines: list[Any]) -> OrderAmounts:
    goods = sum((line.total_price for line in lines), ZERO)
    included = max(goods - order.goods_value, ZERO)
    return OrderAmounts(goods=goods, tax_included=included,
                        tax_on_top=order.tax_total - included)


@login_required
@domain_errors
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    from shequn.logistics import outbound
    from shequn.orders.returns import can_request_return
    from shequn.orders.selectors import get_order_for_user, timeline

    order = get_order_for_user(request.user, number)
    shipment = outbound.shipment_of(order)
    lines = list(order.lines.all())
    return render(request, "store/order_detail.html", {
        "order": order, "lines": lines, "amounts": _order_amounts(order, lines),
        "steps": timeline(order),
        "tab": "orders", "can_return": can_request_return(order),
        "shipment": shipment, "tracking": outbound.tracking_card(order, shipment),
    })


@login_required
@require_POST
@domain_errors
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    """Pay an order left unpaid (the whole checkout it belongs to)."""
    from shequn.orders.selectors import get_order_for_user
    from shequn.payments.services import start_payment

    order = get_order_for_user(request.user, number)
    return redirect(start_payment(request.user, order.checkout_id))


@login_required
@require_POST
@domain_errors
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Cancel an order not paid yet (the stock and the quota it held go back)."""
    from shequn.orders import services as order_services
    from shequn.orders.selectors import get_order_for_user

    order = get_order_for_user(request.user, number)
    order_services.cancel_by_buyer(request.user, order.pk)
    return redirect("store:order", number=order.number)


def me_page(request: HttpRequest) -> HttpResponse:
    ctx: dict[str, Any] = {"tab": "me"}
    if request.user.is_authenticated:
        from shequn.checkout.identities import list_addresses, list_identities

        ctx["identities"] = list(list_identities(request.user))
        ctx["addresses"] = list(list_addresses(request.user))
        # Inside WeChat, a WeChat sign-in may take the WeChat nickname (snsapi_userinfo).
        from shequn.accounts.models import WeChatAccount

        ctx["wechat_profile_offer"] = (
            "micromessenger" in request.headers.get("User-Agent", "").lower()
            and WeChatAccount.objects.filter(user=request.user).exists())
    return render(request, "store/me.html", ctx)
