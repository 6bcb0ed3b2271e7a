"""Brand console: authorization grants (品牌授权), /brand/grants/.

Grants given and received by the signed-in organization, a new grant (brand
admins), a grant's detail with its log, the document's SHA-256 and a private
download, and suspend / reinstate / revoke (the grantor's brand admins). Every
rule is in brands.grants; a refusal is shown with its message."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequn.brands import chain, grants
from shequn.brands.errors import BrandError
from shequn.brands.models import Grant, Membership
from shequn.catalog.models import SKU, Category, Organization
from shequn.core.errors import DomainError
from shequn.web.brand.access import brand_admin_only, brand_staff_only

log = logging.getLogger("shequn.web.brand")

ACTIONS = {"suspend": grants.suspend, "reinstate": grants.reinstate, "revoke": grants.revoke}


def document_response(grant: Grant) -> HttpResponseBase:
    """The stored authorization document, as a download (never rendered inline
    by the browser: no content sniffing, a fixed safe name)."""
    if not grant.document:
        raise Http404("no document")
    try:
        fh = grant.document.open("rb")
    except FileNotFoundError:
        raise Http404("document missing") from None
    ext = "pdf" if grant.document_type == "application/pdf" else (
        grant.document_type.split("/")[-1] or "bin")
    response = FileResponse(fh, as_attachment=True,
                            filename=f"grant-{grant.pk}-{grant.document_sha256[:12]}.{ext}",
                            content_type=grant.document_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _is_admin(request: HttpRequest) -> bool:
    return request.membership.role == Membership.Role.ADMIN  # type: ignore[attr-defined]


def held_brands(org: Organization) -> list[Organization]:
    """Brands ``org`` may pass on: itself (a brand owner) and those it holds an
    active grant of."""
    ids = set(Grant.objects.filter(grantee=org, status=Grant.Status.ACTIVE)
              .values_list("brand_id", flat=True))
    if org.kind == Organization.Kind.BRAND:
        ids.add(org.pk)
    return list(Organization.objects.filter(pk__in=ids).order_by("name"))


@brand_staff_only
def grant_list(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    rows = list(grants.grants_of(org))
    ctx = {
        "nav": "grants",
        "given": [g for g in rows if g.grantor_id == org.pk],
        "received": [g for g in rows if g.grantee_id == org.pk],
        "downstream": [g for g in rows if g.brand_id == org.pk
                       and org.pk not in (g.grantor_id, g.grantee_id)],
        "is_admin": _is_admin(request), "today": chain.today(),
    }
    return render(request, "brand/grants.html", ctx)


def _form_choices(org: Organization) -> dict[str, Any]:
    brands = held_brands(org)
    return {
        "brands": brands,
        # Importers and e-commerce enterprises: who a brand authorizes to sell
        # (other brands are not listed to a brand).
        "grantees": list(Organization.objects.filter(kind=Organization.Kind.EBC)
                         .exclude(pk=org.pk).order_by("name")),
        "categories": list(Category.objects.order_by("name")),
        "skus": list(SKU.objects.filter(product__brand__in=brands, active=True)
                     .select_related("product").order_by("product__name", "code")[:500]),
        "scopes": Grant.Scope.choices,
    }


@brand_admin_only
def grant_new(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    ctx: dict[str, Any] = {"nav": "grants", "form": {}, **_form_choices(org)}
    if request.method != "POST":
        return render(request, "brand/grants_new.html", ctx)
    data = request.POST
    ctx["form"] = {k: data.get(k, "") for k in ("grantee", "brand", "scope", "valid_from",
                                                "valid_to", "note")}
    ctx["form"]["category_ids"] = data.getlist("category_ids")
    ctx["form"]["sku_ids"] = data.getlist("sku_ids")
    try:
        upload = request.FILES.get("document")
        if upload is None:
            raise BrandError.DOCUMENT_MISSING.error()
        if upload.size and upload.size > grants.MAX_DOCUMENT_BYTES:
            raise BrandError.DOCUMENT_TOO_LARGE.error(limit=grants.MAX_DOCUMENT_BYTES)
        grantee = _org(data.get("grantee"))
        brand = _org(data.get("brand"))
        grant = grants.create_grant(
            request.user, grantor=org, grantee=grantee, brand=brand,
            valid_from=data.get("valid_from", ""), valid_to=data.get("valid_to", ""),
            document=upload.read(grants.MAX_DOCUMENT_BYTES + 1),
            document_name=upload.name or "", scope=data.get("scope", Grant.Scope.ALL),
            category_ids=data.getlist("category_ids"), sku_ids=data.getlist("sku_ids"),
            note=data.get("note", ""))
    except DomainError as err:
        log.info("grant create refused: %s", err.code)
        ctx["error"] = err
        return render(request, "brand/grants_new.html", ctx, status=err.status)
    messages.success(request, _("Grant submitted: it takes effect once an operator approves "
                                "it."))
    return redirect(f"/brand/grants/{grant.pk}/")


def _org(raw: Any) -> Organization:
    try:
        org = Organization.objects.filter(pk=int(raw)).first()
    except (TypeError, ValueError):
        org = None
    if org is None:
        raise BrandError.UNKNOWN_ORGANIZATION.error()
    return org


def _visible(request: HttpRequest, pk: int) -> Grant:
    try:
        return grants.visible_to(request.user, pk)
    except DomainError:
        raise Http404("grant not found") from None


@brand_staff_only
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    org = request.org  # type: ignore[attr-defined]
    ctx = {"nav": "grants", "grant": grant,
           "log": list(grant.log.select_related("actor").order_by("at", "pk")),
           "categories": list(grant.categories.order_by("name")),
           "skus": list(grant.skus.select_related("product").order_by("code")),
           "document_url": f"/brand/grants/{grant.pk}/document/",
           "can_act": _is_admin(request) and grant.grantor_id == org.pk}
    return render(request, "brand/grants_detail.html", ctx)


@brand_staff_only
def grant_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    return document_response(_visible(request, pk))


@require_POST
@brand_admin_only
def grant_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    fn = ACTIONS.get(action)
    grant = _visible(request, pk)
    if fn is None:
        raise Http404("unknown action")
    try:
        fn(grant.pk, request.user, request.POST.get("note", "")[:300])
        messages.success(request, _("Done."))
    except DomainError as err:
        log.info("grant %s #%s refused: %s", action, pk, err.code)
        messages.error(request, err.message)
    return redirect(f"/brand/grants/{grant.pk}/")


urlpatterns = [
    path("", grant_list, name="grants"),
    path("new/", grant_new, name="grant_new"),
    path("<id:pk>/", grant_detail, name="grant"),
    path("<id:pk>/document/", grant_document, name="grant_document"),
    path("<id:pk>/<slug:action>/", grant_action, name="grant_action"),
]
