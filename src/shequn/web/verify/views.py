"""What a buyer sees when scanning a unit's QR code (GS1 Digital Link): the
product, its brand, lot and expiry, the authorization chain, the journey and
how often this code was checked before. An unknown serial is said plainly to
be no genuine code, with a report form.

Every view of the page counts as a check (as 一物一码 systems count queries):
a code checked again and again, or from many phones, is what a copied label
looks like."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import secrets
import unicodedata
import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.encoding import escape_uri_path
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shequn.core import clock, localcache, netaddr, ratelimit
from shequn.trace import geo, gs1, verify
from shequn.trace.models import Carton, UnitCode
from shequn.web.verify import page

DEVICE_COOKIE = "sq_dev"
CONSENT_COOKIE = "sq_geo"
YEAR = 365 * 24 * 3600
# The check page shown again to the phone that just checked it, in the language
# it switched to: the switch returns to the page with this mark in the query,
# and that view counts no check (it would have warned the buyer that the code
# was checked before, and counted them twice). The mark is signed and names the
# code and the phone's device cookie: a link printed with one in a copied QR
# code counts every other phone's checks as usual.
SHOWN_PARAM = "shown"
STAFF_PARAM = "staff"
SHOWN_SALT = "shequn.verify.shown"
SHOWN_SECONDS = 600


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


def _shown_mark(device: str, gtin: str, serial: str) -> str:
    return hashlib.sha256(f"{device}|{gtin}|{serial}".encode()).hexdigest()[:24]


def _shown_again(request: HttpRequest, device: str, gtin: str, serial: str) -> bool:
    """Is this the page this phone was just shown (come back from the language switch)?"""
    value = request.GET.get(SHOWN_PARAM, "")
    if not value or len(value) > 200:
        return False
    try:
        mark = signing.loads(value, salt=SHOWN_SALT, max_age=SHOWN_SECONDS)
    except signing.BadSignature:
        return False
    return bool(mark == _shown_mark(device, gtin, serial))


def _language_next(request: HttpRequest, device: str, gtin: str, serial: str) -> str:
    """This page's address with the mark that it was shown to this phone (any
    earlier mark replaced). The query is rebuilt from its pairs: copying the
    QueryDict (a deep copy) cost more than the rest of this on every check.
    The path is escaped again (as get_full_path does): a serial may hold "?"
    or "%", and written as decoded it named another code."""
    pairs = [(key, value) for key, values in request.GET.lists() if key != SHOWN_PARAM
             for value in values]
    pairs.append((SHOWN_PARAM, signing.dumps(_shown_mark(device, gtin, serial),
                                             salt=SHOWN_SALT)))
    return f"{escape_uri_path(request.path)}?{urlencode(pairs)}"


# An address's first checks of a minute are counted in the process that serves
# them (core.ratelimit's local_first): a buyer's phone checks a code or two,
# and the shared count's round trip was a tenth of a check. Reports count every
# one in the shared store.
LOCAL_FIRST = {"scan": 3}


def _allowed(request: HttpRequest, what: str, per_minute: int) -> bool:
    # An IPv6 sender counts by its /64 (netaddr.sender).
    sender = netaddr.sender(netaddr.client_ip(request)) or "-"
    return ratelimit.hit(f"verify:{what}:{sender}", per_minute, 60,
                         local_first=LOCAL_FIRST.get(what, 0))


def _invalid(request: HttpRequest, status: int = 400) -> HttpResponse:
    return render(request, "verify/invalid.html", {}, status=status)


def entry(request: HttpRequest) -> HttpResponse:
    """Type or paste what is printed under the QR code (or the whole link)."""
    # Full-width forms (a phone keyboard in full-width mode types "（01）０６…")
    # read as the ASCII a code is made of.
    text = unicodedata.normalize("NFKC", request.GET.get("code", "")).strip()
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


def _staff_look(request: HttpRequest, gtin: str) -> bool:
    """A brand's staff or an operator opening a unit from a risk page
    (``?staff=1``): shown, not counted. Their looks are not buyers' checks,
    and counted they would feed the very signals being looked into. Read only
    when asked for: the session is not loaded for a buyer's check."""
    if request.GET.get(STAFF_PARAM) != "1":
        return False
    from shequn.brands import people, selectors

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if people.is_operator(user):
        return True
    sku = verify.sku_of_gtin(gtin)
    return sku is not None and sku.product.brand_id in selectors.organization_ids(user)


def _check(request: HttpRequest, gtin: str, serial: str, lot: str, device: str,
           consented: bool) -> tuple[UnitCode | None, bool, verify.ScanResult | None, bool]:
    """(unit, printed with another lot, its checks so far, a staff look) of
    this page: one more check, or none when the phone comes back from the
    language switch to the page it was just shown (a unit never checked
    before is checked), when the brand's staff or an operator looks, or for
    a HEAD request (a link previewer's: no one sees the page)."""
    staff = _staff_look(request, gtin)
    quiet = staff or request.method == "HEAD"
    if quiet or _shown_again(request, device, gtin, serial):
        found = verify.find_unit(gtin, serial)
        wrong_lot = found is not None and bool(lot) and lot != found.batch.lot
        if found is None or wrong_lot:
            return None, wrong_lot, None, staff
        tally = verify.tally_of(found)
        if tally is not None or quiet:
            return found, False, tally or verify.ScanResult(0, clock.now(), 0), staff
    # The city is kept only with a genuine unit's check (verify.check).
    city = geo.city_of(netaddr.client_ip(request)) if consented else ""
    checked = verify.check(gtin, serial, lot, device=device, city=city)
    return checked.unit, checked.wrong_lot, checked.scan, False


# GET and HEAD only: any other method (OPTIONS, TRACE: not checked for a CSRF
# token) counted a check no buyer made.
@require_safe
def unit(request: HttpRequest, gtin: str, serial: str, lot: str = "") -> HttpResponse:
    code = _code(gtin, serial, lot)
    if code is None:
        return _invalid(request)
    gtin, serial, lot = code
    if not _allowed(request, "scan", 60):
        return render(request, "verify/invalid.html", {"limited": True}, status=429)
    token, device = _device(request)
    consented = request.COOKIES.get(CONSENT_COOKIE) == "1"
    found, wrong_lot, result, staff = _check(request, gtin, serial, lot, device, consented)
    language_next = _language_next(request, device, gtin, serial)
    if found is None or result is None:
        sku = verify.sku_of_gtin(gtin)
        context: dict[str, Any] = {"gtin": gtin, "serial": serial, "lot": lot, "sku": sku,
                                   "product": sku.product if sku else None,
                                   "wrong_lot": wrong_lot, "language_next": language_next}
        return _with_device(request, render(request, "verify/unknown.html", context, status=404),
                            token)
    # One masked CSRF token for the page (the consent form's and the htmx
    # header's): each get_token() masks anew, 32 urandom calls (60 µs).
    csrf_token = get_token(request)
    # The page from this process's frame of its kind (page.py).
    return _with_device(request, page.render_unit(request, _unit_context(found, result)
                                 # Both come back to this page without counting a check.
                                 | {"consent_form": consent_form(request, consented,
                                                                 language_next, csrf_token),
                                    "csrf_token": csrf_token,
                                    "language_next": language_next, "staff_look": staff}),
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
    first_at = _beijing(result.first_at)
    # The two sentences with the counts are made here: the template's
    # blocktranslate rebuilds its message from its tokens on every render
    # (50 µs for these two, a sixtieth of the page).
    n = result.count
    if n == 0:  # the brand's staff or an operator looking before any buyer checked
        return _unit_context_unchecked(found, result, journey, chain)
    return {
        "unit": found, "product": product, "scan": result, "repeat": n > 1,
        "first_at": first_at,
        "repeat_text": _("This code has been checked %(n)s times, first on %(first)s. If you "
                         "did not check it before, the label may have been copied: compare "
                         "with where you bought it.") % {"n": n, "first": first_at},
        "checked_text": ngettext("Checked %(n)s time.", "Checked %(n)s times.", n) % {"n": n},
        "withdrawn": found.state in verify.WITHDRAWN,
        "lot_card": _lot_card(found, chain),
        "steps": _steps_html(journey.steps),
    }


def _unit_context_unchecked(found: UnitCode, result: verify.ScanResult, journey: Any,
                            chain: Any) -> dict[str, Any]:
    """A code no buyer has checked: no count and no first check to show."""
    return {
        "unit": found, "product": found.batch.sku.product, "scan": result, "repeat": False,
        "first_at": "", "repeat_text": "",
        "checked_text": _("No buyer has checked this code yet."),
        "withdrawn": found.state in verify.WITHDRAWN,
        "lot_card": _lot_card(found, chain),
        "steps": _steps_html(journey.steps),
    }


@functools.cache
def _step_labels(language: str) -> dict[str, str]:
    """The steps' names and the journey's words in ``language``, escaped (the
    catalogues do not change while a process runs)."""
    with translation.override(language):
        out = {name: html.escape(str(label)) for name, label in STEP_LABELS.items()}
        out |= {"_waybill": html.escape(_("Waybill")),
                "_delivered_to": html.escape(_("Delivered to")),
                "_other": html.escape(str(OTHER_STEP))}
    return out


def _steps_html(steps: list[verify.Step]) -> SafeString:
    """The journey's timeline items. Written here rather than as a loop in the
    template, and with the standard library's ``escape`` rather than
    ``format_html``: eight steps cost a tenth of a millisecond either way,
    about a thirtieth of the page, the busiest public one."""
    if not steps:
        return SafeString("")
    labels = _step_labels(translation.get_language())
    waybill, delivered_to, other = labels["_waybill"], labels["_delivered_to"], labels["_other"]
    last = len(steps) - 1
    items = []
    for i, step in enumerate(steps):
        extra = ""
        if step.place:
            extra += (f'<br><span class="small muted" translate="no">'
                      f'{html.escape(step.place)}</span>')
        if step.waybill:
            extra += (f'<br><span class="small muted">{waybill} <span class="mono" translate="no">'
                      f'{html.escape(step.waybill)}</span></span>')
        if step.city:
            extra += (f'<br><span class="small muted">{delivered_to} <span translate="no" '
                      f'data-testid="delivered-city">{html.escape(step.city)}</span></span>')
        current = ' class="is-current"' if i == last else ""
        items.append(f'<li data-step="{html.escape(step.name)}"{current}><span class="grow">'
                     f'<strong>{labels.get(step.name, other)}</strong>{extra}</span>'
                     f'<span class="muted small">{_beijing(step.at)}</span></li>')
    return SafeString("\n".join(items))  # every value above is escaped


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


_consent_forms = localcache.LocalCache(seconds=3600)
# Stand for the page's address and the CSRF token in a rendered consent form
# (safe tags, so they cannot come from data).
NEXT_SLOT, TOKEN_SLOT = mark_safe("<shequn-next>"), mark_safe("<shequn-csrf>")


def consent_form(request: HttpRequest, consented: bool, next_url: str,
                 csrf_token: str = "") -> SafeString:
    """The city consent form of a check page (and its answer in place): the same
    for every check in a language but for the page's address and the CSRF
    token, so rendered once per language and choice in each process, like the
    lot card (rendering it for every check cost 50 µs)."""
    key = (translation.get_language(), consented, get_script_prefix())
    html = _consent_forms.get(key)
    if html is localcache.MISSING:
        html = render_to_string("verify/_consent.html", {
            "consented": consented, "next": NEXT_SLOT, "csrf_token": TOKEN_SLOT})
        _consent_forms.set(key, html)
    return mark_safe(html.replace(NEXT_SLOT, escape(next_url))  # noqa: S308 (escaped)
                     .replace(TOKEN_SLOT, escape(csrf_token or get_token(request))))


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
    # To the thanks page by GET: reloading it (a phone's pull-to-refresh) must
    # not send the report again, and notify the brand and operators again.
    return _with_device(request, redirect("verify:reported"), token)


def reported(request: HttpRequest) -> HttpResponse:
    return render(request, "verify/reported.html", {})


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
        response = HttpResponse(consent_form(request, given, back))
    else:
        response = redirect(back)
    if given:
        response.set_cookie(CONSENT_COOKIE, "1", max_age=YEAR, httponly=True, samesite="Lax",
                            secure=request.is_secure())
    else:
        # Expired with the attributes it was given (Django's delete_cookie
        # would send it without Secure and SameSite).
        response.set_cookie(CONSENT_COOKIE, "", max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT",
                            httponly=True, samesite="Lax", secure=request.is_secure())
    return response


def privacy(request: HttpRequest) -> HttpResponse:
    from shequn.trace import retention

    return render(request, "verify/privacy.html", {
        "title": _("Privacy notice"), "city_days": retention.city_days(),
        "log_days": retention.log_days(), "report_days": retention.report_days(),
        "processor": settings.SHEQUN["PLATFORM_EBP_NAME"],
        "contact": settings.SHEQUN["PRIVACY_CONTACT"]})
