"""The brand console's team area (/brand/team/): the organization's members and
open invitations (every staff member sees them; brand admins invite, withdraw
invitations and deactivate members) and the organization's partner API keys
(brand admins: list, create (the key is shown once), revoke).

Every object is looked up within ``request.org``: another organization's id is
a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequn.brands import apikeys, people
from shequn.brands.models import ApiKey, Invitation, Membership
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.web.brand.access import brand_admin_only, brand_staff_only


def _team_ctx(request: HttpRequest, **extra: object) -> dict[str, object]:
    org = request.org  # type: ignore[attr-defined]
    members = (Membership.objects.filter(organization=org).select_related("user")
               .order_by("-active", "role", "pk"))
    invitations = (Invitation.objects.filter(organization=org, accepted_at__isnull=True,
                                             revoked_at__isnull=True,
                                             expires_at__gt=clock.now())
                   .order_by("-created_at"))
    is_admin = request.membership.role == Membership.Role.ADMIN  # type: ignore[attr-defined]
    role_choices = [(v, label) for v, label in Membership.Role.choices
                    if v in people.roles_for(org, request.user)] if is_admin else []
    return {"nav": "team", "members": members, "invitations": invitations,
            "is_admin": is_admin, "role_choices": role_choices, **extra}


@require_GET
@brand_staff_only
def team(request: HttpRequest) -> HttpResponse:
    return render(request, "brand/team.html", _team_ctx(request))


@require_POST
@brand_admin_only
def invite(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    form = {k: request.POST.get(k, "").strip() for k in ("name", "phone", "role")}
    try:
        _row, token = people.invite(request.user, org, role=form["role"], name=form["name"],
                                    phone=form["phone"])
    except DomainError as err:
        return render(request, "brand/team.html",
                      _team_ctx(request, error=err.message, form=form), status=err.status)
    link = request.build_absolute_uri(f"/brand/invite/{token}/")
    return render(request, "brand/team.html", _team_ctx(request, invite_link=link))


@require_POST
@brand_admin_only
def revoke_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        people.revoke_invitation(request.user, invitation_id, request.org)  # type: ignore[attr-defined]
    except DomainError as err:
        if err.status == 404:
            raise Http404 from err
        messages.error(request, err.message)
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("brand:team")


@require_POST
@brand_admin_only
def deactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    try:
        people.deactivate(request.user, membership_id, request.org)  # type: ignore[attr-defined]
    except DomainError as err:
        if err.status == 404:
            raise Http404 from err
        messages.error(request, err.message)
    else:
        messages.success(request, _("Member deactivated."))
    return redirect("brand:team")


def _keys_ctx(request: HttpRequest, **extra: object) -> dict[str, object]:
    org = request.org  # type: ignore[attr-defined]
    keys = ApiKey.objects.filter(organization=org).order_by("revoked_at", "-created_at")
    return {"nav": "team", "keys": keys, "scopes": apikeys.SCOPES, **extra}


@require_http_methods(["GET", "POST"])
@brand_admin_only
def keys(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "brand/team_keys.html", _keys_ctx(request))
    scopes = [s for s in request.POST.getlist("scope") if s]
    name = request.POST.get("name", "").strip()
    try:
        row, key = apikeys.create_key(request.org, scopes, name=name,  # type: ignore[attr-defined]
                                      actor=request.user)
    except DomainError as err:
        return render(request, "brand/team_keys.html",
                      _keys_ctx(request, error=err.message, name=name), status=err.status)
    return render(request, "brand/team_keys.html", _keys_ctx(request, new_key=key, new_row=row))


@require_POST
@brand_admin_only
def revoke_key(request: HttpRequest, key_id: int) -> HttpResponse:
    row = ApiKey.objects.filter(pk=key_id, organization=request.org).first()  # type: ignore[attr-defined]
    if row is None:
        raise Http404("no such key")
    if apikeys.revoke(row, request.user):
        messages.success(request, _("API key revoked."))
    return redirect("brand:team_keys")


urlpatterns = [
    path("", team, name="team"),
    path("invite/", invite, name="team_invite"),
    path("invitations/<id:invitation_id>/revoke/", revoke_invitation,
         name="team_invitation_revoke"),
    path("members/<id:membership_id>/deactivate/", deactivate, name="team_deactivate"),
    path("keys/", keys, name="team_keys"),
    path("keys/<id:key_id>/revoke/", revoke_key, name="team_key_revoke"),
]
