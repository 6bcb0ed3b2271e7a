"""The leader's avatar: upload, remove, and the picture itself (for the console
and the shop header). Posters draw it too (poster_views.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts import profile
from shequn.core.errors import DomainError
from shequn.web.leader.views import leader_only


@require_POST
@leader_only
def avatar_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("avatar")
    if upload is None:
        messages.error(request, _("Choose a picture to upload."))
        return redirect("leader:home")
    if upload.size is not None and upload.size > profile.MAX_AVATAR_BYTES:
        messages.error(request, _("The avatar picture must be 5 MB or less."))
        return redirect("leader:home")
    try:
        profile.set_avatar(request.user, upload.read())
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Avatar updated. New posters show it."))
    return redirect("leader:home")


@require_POST
@leader_only
def avatar_remove(request: HttpRequest) -> HttpResponse:
    profile.remove_avatar(request.user)
    messages.success(request, _("Avatar removed."))
    return redirect("leader:home")


@require_GET
@leader_only
def avatar(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    data = profile.avatar_bytes(user)
    if data is None:
        raise Http404("no avatar")
    resp = HttpResponse(data, content_type="image/jpeg")
    resp["Cache-Control"] = "private, max-age=300"
    return resp
