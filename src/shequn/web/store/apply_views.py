"""成为团长 (become a leader): the apply form for signed-in members, its status, and
the landing of a leader's invite link (/join/<token>/), which prefills the
inviter's code. Joining is free: no fee, no purchase, no spending threshold.

Included from store/urls.py with ``path("", include("shequn.web.store.apply_views"))``,
so the names live in the ``store`` namespace."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from shequn.core.errors import DomainError
from shequn.distribution import applications, codes, conf, selectors
from shequn.distribution.models import LeaderProfile

INVITE_SESSION_KEY = "shequn.invite_code"

# Which form field a domain error belongs to (the rest show above the form).
FIELD_OF_ERROR = {
    "invalid_real_name": "real_name", "invalid_phone": "phone", "invalid_region": "region",
    "invalid_reason": "reason", "invalid_invite_code": "invite_code",
    "self_invitation": "invite_code", "not_a_leader": "invite_code",
}
FIELDS = ("real_name", "phone", "region", "reason", "invite_code")

def _context(request: HttpRequest, profile: LeaderProfile | None,
             values: dict[str, str] | None = None, errors: dict[str, DomainError] | None = None,
             form_error: DomainError | None = None) -> dict[str, Any]:
    invite = request.session.get(INVITE_SESSION_KEY, "")
    values = values or {"invite_code": invite}
    can_apply = profile is None or profile.status == LeaderProfile.Status.REJECTED
    return {"tab": "me", "profile": profile, "values": values, "errors": errors or {},
            "form_error": form_error, "can_apply": can_apply,
            "open_join": conf.open_join()}


@login_required
def apply_page(request: HttpRequest) -> HttpResponse:
    profile = selectors.profile_for(request.user)
    if request.method != "POST":
        return render(request, "store/apply.html", _context(request, profile))
    values = {f: request.POST.get(f, "").strip() for f in FIELDS}
    try:
        profile = applications.apply(request.user, real_name=values["real_name"],
                                     phone=values["phone"], region=values["region"],
                                     reason=values["reason"], invite_code=values["invite_code"])
    except DomainError as err:
        field = FIELD_OF_ERROR.get(err.code)
        ctx = _context(request, selectors.profile_for(request.user), values,
                       errors={field: err} if field else None,
                       form_error=None if field else err)
        return render(request, "store/apply.html", ctx, status=err.status)
    request.session.pop(INVITE_SESSION_KEY, None)
    if profile.status == LeaderProfile.Status.APPROVED:
        messages.success(request, _("Approved: welcome, leader!"))
    else:
        messages.success(request, _("Your application has been sent for review."))
    return redirect("store:apply")


def join(request: HttpRequest, token: str) -> HttpResponse:
    """A leader's invite link: remember the inviter's code, then show the apply form."""
    code = codes.read_invite_token(token, conf.invite_link_max_age_seconds())
    if code is None:
        messages.info(request, _("This invite link is invalid or has expired; you can "
                                 "still apply."))
    else:
        request.session[INVITE_SESSION_KEY] = code
    return redirect("store:apply")


urlpatterns = [
    path("apply/", apply_page, name="apply"),
    path("join/<str:token>/", join, name="join"),
]
