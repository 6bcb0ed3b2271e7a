"""Ops: organizations and their people (operators only). Create an organization
(brand owner, importer / e-commerce enterprise, warehouse operator) with a code;
one organization's members (deactivate), invitations (invite with a role,
withdraw) and API keys (create, revoke); every API key of every organization
(and the platform's) with revoke; the operator's own notices. Actions call
brands.people / brands.apikeys, which check the role again and write the audit
log. Included from ops/urls.py, so the names are ``ops:org…``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequn.accounts.roles import OPERATOR, role_required
from shequn.brands import apikeys, people
from shequn.brands.models import ApiKey, Invitation, Membership
from shequn.catalog.models import Organization
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.web import notices as notices_page

operator_only = role_required(OPERATOR)
KEY_LIMIT = 200


def _kinds() -> list[tuple[str, Any]]:
    return [(v, label) for v, label in Organization.Kind.choices if v in people.ORG_KINDS]


def _list_ctx(**extra: Any) -> dict[str, Any]:
    kind = str(extra.pop("kind", ""))
    qs = Organization.objects.annotate(
        n_members=Count("memberships", filter=Q(memberships__active=True), distinct=True),
        n_keys=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True), distinct=True))
    if kind:
        qs = qs.filter(kind=kind)
    return {"nav": "orgs", "orgs": qs.order_by("kind", "name"), "kinds": _kinds(),
            "all_kinds": Organization.Kind.choices, "kind": kind, **extra}


@require_http_methods(["GET", "POST"])
@operator_only
def orgs(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in Organization.Kind.values:
        kind = ""
    if request.method == "GET":
        return render(request, "ops/orgs.html", _list_ctx(kind=kind))
    form = {k: request.POST.get(k, "").strip()
            for k in ("kind", "name", "code", "name_en", "customs_code", "country")}
    try:
        org = people.create_organization(request.user, **form)
    except DomainError as err:
        return render(request, "ops/orgs.html", _list_ctx(error=err.message, form=form),
                      status=err.status)
    messages.success(request, _("Organization created."))
    return redirect("ops:org", org_id=org.pk)


def _org_ctx(request: HttpRequest, org: Organization, **extra: Any) -> dict[str, Any]:
    return {
        "nav": "orgs", "org": org,
        "members": (Membership.objects.filter(organization=org).select_related("user")
                    .order_by("-active", "role", "pk")),
        "invitations": (Invitation.objects.filter(organization=org)
                        .select_related("invited_by", "accepted_by")
                        .order_by("-created_at")[:50]),
        "now": clock.now(),
        "role_choices": [(v, label) for v, label in Membership.Role.choices
                         if v in people.roles_for(org, request.user)],
        "keys": ApiKey.objects.filter(organization=org).order_by("revoked_at", "-created_at"),
        "scopes": apikeys.SCOPES, **extra}


@require_GET
@operator_only
def org_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_object_or_404(Organization, pk=org_id)
    return render(request, "ops/orgs_detail.html", _org_ctx(request, org))


@require_POST
@operator_only
def org_invite(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_object_or_404(Organization, pk=org_id)
    form = {k: request.POST.get(k, "").strip() for k in ("name", "phone", "role")}
    try:
        _row, token = people.invite(request.user, org, role=form["role"], name=form["name"],
                                    phone=form["phone"])
    except DomainError as err:
        return render(request, "ops/orgs_detail.html",
                      _org_ctx(request, org, error=err.message, form=form), status=err.status)
    link = request.build_absolute_uri(f"/brand/invite/{token}/")
    return render(request, "ops/orgs_detail.html", _org_ctx(request, org, invite_link=link))


@require_POST
@operator_only
def org_invitation_revoke(request: HttpRequest, org_id: int, invitation_id: int) -> HttpResponse:
    org = get_object_or_404(Organization, pk=org_id)
    try:
        people.revoke_invitation(request.user, invitation_id, org)
    except DomainError as err:
        if err.status == 404:
            raise Http404 from err
        messages.error(request, err.message)
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("ops:org", org_id=org.pk)


@require_POST
@operator_only
def org_member_deactivate(request: HttpRequest, org_id: int, membership_id: int) -> HttpResponse:
    org = get_object_or_404(Organization, pk=org_id)
    try:
        people.deactivate(request.user, membership_id, org)
    except DomainError as err:
        if err.status == 404:
            raise Http404 from err
        messages.error(request, err.message)
    else:
        messages.success(request, _("Member deactivated."))
    return redirect("ops:org", org_id=org.pk)


@require_POST
@operator_only
def org_key_create(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_object_or_404(Organization, pk=org_id)
    name = request.POST.get("name", "").strip()
    try:
        row, key = apikeys.create_key(org, [s for s in request.POST.getlist("scope") if s],
                                      name=name, actor=request.user)
    except DomainError as err:
        return render(request, "ops/orgs_detail.html",
                      _org_ctx(request, org, key_error=err.message), status=err.status)
    return render(request, "ops/orgs_detail.html",
                  _org_ctx(request, org, new_key=key, new_row=row))


@require_GET
@operator_only
def api_keys(request: HttpRequest) -> HttpResponse:
    show_revoked = request.GET.get("revoked") == "1"
    qs = ApiKey.objects.select_related("organization", "created_by")
    if not show_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return render(request, "ops/orgs_keys.html",
                  {"nav": "orgs", "keys": qs.order_by("-created_at")[:KEY_LIMIT],
                   "show_revoked": show_revoked})


@require_POST
@operator_only
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    row = get_object_or_404(ApiKey, pk=key_id)
    if apikeys.revoke(row, request.user):
        messages.success(request, _("API key revoked."))
    back = request.POST.get("back", "")
    if back == "org" and row.organization_id:
        return redirect("ops:org", org_id=row.organization_id)
    return redirect("ops:apikeys")


@require_http_methods(["GET", "POST"])
@operator_only
def notices(request: HttpRequest) -> HttpResponse:
    return notices_page.page(request, "ops/notices.html", nav="notices")


urlpatterns = [
    path("orgs/", orgs, name="orgs"),
    path("orgs/<id:org_id>/", org_detail, name="org"),
    path("orgs/<id:org_id>/invite/", org_invite, name="org_invite"),
    path("orgs/<id:org_id>/invitations/<id:invitation_id>/revoke/", org_invitation_revoke,
         name="org_invitation_revoke"),
    path("orgs/<id:org_id>/members/<id:membership_id>/deactivate/", org_member_deactivate,
         name="org_member_deactivate"),
    path("orgs/<id:org_id>/keys/", org_key_create, name="org_key_create"),
    path("apikeys/", api_keys, name="apikeys"),
    path("apikeys/<id:key_id>/revoke/", api_key_revoke, name="apikey_revoke"),
    path("notices/", notices, name="notices"),
]
