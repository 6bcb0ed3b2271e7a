"""Ops console: the authorization grant review queue (/ops/grants/): pending
grants first, a grant's detail with its document (download) and log, approve
or reject with a note; operators may also suspend, reinstate and revoke.
Every act is in the grant's log and the audit log (brands.grants)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.roles import OPERATOR, role_required
from shequn.brands import grants
from shequn.brands.models import Grant
from shequn.core.errors import DomainError
from shequn.web.brand.grants_views import document_response

log = logging.getLogger("shequn.web.ops")
operator_only = role_required(OPERATOR)

ACTIONS = {"approve": grants.approve, "reject": grants.reject, "suspend": grants.suspend,
           "reinstate": grants.reinstate, "revoke": grants.revoke}


def _grant(pk: int) -> Grant:
    grant = Grant.objects.select_related("brand", "grantor", "grantee").filter(pk=pk).first()
    if grant is None:
        raise Http404("grant not found")
    return grant


@require_GET
@operator_only
def grant_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    if status not in Grant.Status.values and status != "all":
        status = "pending"
    qs = grants.grants_of(None)
    if status != "all":
        qs = qs.filter(status=status)
    return render(request, "ops/grants.html", {
        "nav": "grants", "rows": list(qs[:200]), "status": status,
        "statuses": Grant.Status.choices,
        "pending": Grant.objects.filter(status=Grant.Status.PENDING).count()})


@require_GET
@operator_only
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(pk)
    return render(request, "ops/grants_detail.html", {
        "nav": "grants", "grant": grant,
        "log": list(grant.log.select_related("actor").order_by("at", "pk")),
        "categories": list(grant.categories.order_by("name")),
        "skus": list(grant.skus.select_related("product").order_by("code")),
        "document_url": f"/ops/grants/{grant.pk}/document/"})


@require_GET
@operator_only
def grant_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    return document_response(_grant(pk))


@require_POST
@operator_only
def grant_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    fn = ACTIONS.get(action)
    if fn is None:
        raise Http404("unknown action")
    try:
        fn(pk, request.user, request.POST.get("note", "")[:300])
        messages.success(request, _("Done."))
    except DomainError as err:
        log.info("ops grant %s #%s refused: %s", action, pk, err.code)
        messages.error(request, err.message)
    return redirect(f"/ops/grants/{pk}/")


urlpatterns = [
    path("grants/", grant_queue, name="grants"),
    path("grants/<id:pk>/", grant_detail, name="grant"),
    path("grants/<id:pk>/document/", grant_document, name="grant_document"),
    path("grants/<id:pk>/<slug:action>/", grant_action, name="grant_action"),
]
