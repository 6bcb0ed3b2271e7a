"""What a buyer sees when scanning a unit's QR code (GS1 Digital Link): the
product, its brand, lot and expiry, the authorization chain, the journey and
how often this code was checked before. An unknown serial is said plainly to
be no genuine code, with a report form.

Every view of the page counts as a check (as 一物一码 systems count queries):
a code checked again and again, or from many phones, is what a copied label
looks like."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shequn.core import localcache, netaddr, ratelimit
from shequn.trace import geo, gs1, verify
from shequn.trace.models import Carton, UnitCode

DEVICE_COOKIE = "sq_dev"
CONSENT_COOKIE = "sq_geo"
YEAR = 365 * 24 * 3600


def _device(request: HttpRequest) -> tuple[str, str]:
    """(cookie token, its keyed hash). A new token when the browser has none."""
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    if not (16 <= len(token) <= 64 and token.isalnum()):
        token = secrets.token_hex(16)
    return token, verify.device_hash(token)


def _with_device(request: HttpRequest, response: HttpResponse, token: str) -> HttpResponse:
    if request.COOKIES.get(DEVICE_COOKIE) == token:
        return response  # the browser keeps it (a year from when it was given)
    response.set_cookie(DEVICE_COOKIE, token, max_age=YEAR, httponly=True, samesite="Lax",
                        secure=request.is_secure())
    return response


def _allowed(request: HttpRequest, what: str, per_minute: int) -> bool:
    ip = netaddr.client_ip(request) or "-"
    return ratelimit.hit(f"verify:{what}:{ip}", per_minute, 60)


def _invalid(request: HttpRequest, status: int = 400) -> HttpResponse:
    return render(request, "verify/invalid.html", {}, status=status)


def entry(request: HttpRequest) -> HttpResponse:
    """Type or paste what is printed under the QR code (or the whole link)."""
    text = request.GET.get("code", "").strip()
    if not text:
        return render(request, "verify/entry.html", {})
    try:
        scan = gs1.read(text)
    except gs1.CodeError:
        return render(request, "verify/entry.html", {"code": text, "error": True}, status=400)
    if scan.sscc:
        return redirect("verify:carton", sscc=scan.sscc)
    if "/" in scan.lot or "/" in scan.serial:
        # GS1 allows "/" in a lot or serial; no Digital Link path holds one (the
        # page's URL would not resolve) and no Shequn code has one: the check
        # is answered here, as the unit page answers an unknown code.
        return unit(request, scan.gtin, scan.serial, scan.lot)
    if scan.lot:
        return redirect("verify:unit", gtin=scan.gtin, lot=scan.lot, serial=scan.serial)
    return redirect("verify:unit_nolot", gtin=scan.gtin, serial=scan.serial)


def _code(gtin: str, serial: str, lot: str) -> tuple[str, str, str] | None:
    try:
        g = gs1.gtin14(gtin)
    except gs1.CodeError:
        return None
    # A lot (AI 10) has the serial's (AI 21) characters and length: anything
    # else (a NUL, a space…) is no code and would not fit a report either.
    if not gs1.valid_serial(serial) or (lot and not gs1.valid_serial(lot)):
        return None
    return g, serial, lot


def unit(request: HttpRequest, gtin: str, serial: str, lot: str = "") -> HttpResponse:
    code = _code(gtin, serial, lot)
    if code is None:
        return _invalid(request)
    gtin, serial, lot = code
    if not _allowed(request, "scan", 60):
        return render(request, "verify/invalid.html", {"limited": True}, status=429)
    token, device = _device(request)
    found = verify.find_unit(gtin, serial)
    # A unit whose printed lot differs from its own is not that unit (a copied
    # serial on another lot's label): checked as an unknown code, and the page
    # says what is wrong with it.
    wrong_lot = found is not None and bool(lot) and lot != found.batch.lot
    if wrong_lot:
        found = None
    city = ""
    consented = request.COOKIES.get(CONSENT_COOKIE) == "1"
    if found is not None and consented:
        city = geo.city_of(netaddr.client_ip(request))
    result = verify.record_scan(gtin, serial, unit=found, device=device, city=city)
    if found is None:
        sku = verify.sku_of_gtin(gtin)
        context: dict[str, Any] = {"gtin": gtin, "serial": serial, "lot": lot, "sku": sku,
                                   "product": sku.product if sku else None,
                                   "wrong_lot": wrong_lot}
        return _with_device(request, render(request, "verify/unknown.html", context, status=404),
                            token)
    return _with_device(request, render(request, "verify/unit.html", _unit_context(found, result)
                               | {"consented": consented,
                                  "next": request.get_full_path()}),
                        token)


# What the journey's steps are called (trace.verify.Step.name); a dictionary
# rather than a chain of {% if %} in the template: the page is the busiest
# public one and each step's chain cost a tenth of a millisecond to render.
STEP_LABELS = {
    "coded": gettext_lazy("Coded by the brand"),
    "packed": gettext_lazy("Packed into a carton"),
    "shipped_in": gettext_lazy("Shipped to the bonded warehouse"),
    "received": gettext_lazy("Received at the bonded warehouse"),
    "cleared": gettext_lazy("Released by customs"),
    "picked": gettext_lazy("Packed for your order"),
    "shipped_out": gettext_lazy("Shipped to the buyer"),
    "delivered": gettext_lazy("Delivered"),
    "returned": gettext_lazy("Returned to the warehouse"),
    "inspected": gettext_lazy("Inspected after return"),
    "destroyed": gettext_lazy("Destroyed"),
}
OTHER_STEP = gettext_lazy("Recorded by the supply chain")


def _unit_context(found: UnitCode, result: verify.ScanResult) -> dict[str, Any]:
    sku = found.batch.sku
    product = sku.product  # with its cover picture (verify.batch_of)
    journey = verify.journey(found)
    chain = verify.chain_of(product, sku)
    return {
        "unit": found, "product": product, "scan": result, "repeat": result.count > 1,
        "first_at": _beijing(result.first_at),
        "withdrawn": found.state in verify.WITHDRAWN,
        "lot_card": _lot_card(found, chain),
        # Plain dictionaries with the text shown: the template only places them.
        "steps": [{"name": step.name, "label": str(STEP_LABELS.get(step.name, OTHER_STEP)),
                   "at": _beijing(step.at), "place": step.place, "waybill": step.waybill,
                   "city": step.city} for step in journey.steps],
    }


# Times on the page are Beijing time, written the same way in every language.
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def _beijing(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


# The product card and the authorization chain are the same for every unit of a
# lot: rendered once per lot, GTIN and language in each process and kept while
# that lot and chain are (verify.batch_of and verify.chain_of give the same
# objects until their own local entries expire, a few seconds). Rendering them
# for every check was a third of the page's template time.
_cards = localcache.LocalCache(seconds=verify.LOCAL_SECONDS)
# Stands for the serial in a rendered card: a tag passed as safe, so it cannot
# come from data (a "<" in a product or brand name is escaped to "&lt;").
SERIAL_SLOT = mark_safe("<shequn-serial>")


def _lot_card(found: UnitCode, chain: Any) -> str:
    batch = found.batch
    key = (batch.pk, found.gtin, translation.get_language())
    hit = _cards.get(key)
    if hit is localcache.MISSING or hit[0] is not batch or hit[1] is not chain:
        product = batch.sku.product
        html = render_to_string("verify/_lot_card.html", {
            "product": product, "brand": product.brand, "batch": batch, "chain": chain,
            "gtin": found.gtin, "serial": SERIAL_SLOT})
        hit = (batch, chain, html)
        _cards.set(key, hit)
    return mark_safe(hit[2].replace(SERIAL_SLOT, escape(found.serial)))  # noqa: S308 (escaped)


def carton(request: HttpRequest, sscc: str) -> HttpResponse:
    if not gs1.valid_sscc(sscc):
        return _invalid(request)
    row = (Carton.objects.filter(sscc=sscc).select_related("batch__sku__product__brand")
           .first())
    if row is None:
        return render(request, "verify/unknown.html", {"sscc": sscc}, status=404)
    return render(request, "verify/carton.html",
                  {"carton": row, "units": row.units.count(),
                   "product": row.batch.sku.product if row.batch else None})


@require_POST
def report(request: HttpRequest) -> HttpResponse:
    gtin, serial, lot = (request.POST.get(k, "").strip() for k in ("gtin", "serial", "lot"))
    code = _code(gtin, serial, lot)
    if code is None:
        return _invalid(request)
    if not _allowed(request, "report", 5):
        return render(request, "verify/invalid.html", {"limited": True}, status=429)
    token, device = _device(request)
    # NUL characters removed: PostgreSQL text cannot hold them (the report was a 500).
    where, note = (request.POST.get(k, "").replace("\x00", "").strip() for k in ("where", "note"))
    verify.report_counterfeit(*code, where=where, note=note, device=device)
    return _with_device(request, render(request, "verify/reported.html", {}), token)


@require_http_methods(["POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """Turn the city check on or off for this browser (a cookie: the choice is
    the person's, not an account setting), for the checks that follow. From
    the check page's script the form is answered in place: coming back to the
    page would count as one more check of the code."""
    back = request.POST.get("next", "/verify/")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
            back, allowed_hosts=None):  # a path on this site only
        back = "/verify/"
    given = request.POST.get("consent") == "1"
    if request.headers.get("HX-Request"):
        response = render(request, "verify/_consent.html", {"consented": given, "next": back})
    else:
        response = redirect(back)
    if given:
        response.set_cookie(CONSENT_COOKIE, "1", max_age=YEAR, httponly=True, samesite="Lax",
                            secure=request.is_secure())
    else:
        response.delete_cookie(CONSENT_COOKIE)
    return response


def privacy(request: HttpRequest) -> HttpResponse:
    from shequn.trace import retention

    return render(request, "verify/privacy.html", {
        "title": _("Privacy notice"), "city_days": retention.city_days(),
        "log_days": retention.log_days(), "processor": settings.SHEQUN["PLATFORM_EBP_NAME"],
        "contact": settings.SHEQUN["PRIVACY_CONTACT"]})
