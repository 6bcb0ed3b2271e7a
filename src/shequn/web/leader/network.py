"""Leader pages about people: customers bound to me, my team (leaders I invited,
with a lazily expanded tree) and my invite link. Reads come from
shequn.analytics.network; a leader only ever reaches their own subtree."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shequn.analytics import network as reads
from shequn.distribution.models import LeaderProfile
from shequn.web.leader.invites import invite_for
from shequn.web.leader.views import leader_only

# How far the tree view goes below the leader; deeper teams are summarised by size.
TREE_LEVELS = 4


@require_GET
@leader_only
def customers(request: HttpRequest) -> HttpResponse:
    profile = reads.profile_of(request.user)
    rows = reads.customers_of(profile) if profile is not None else []
    ctx = {"nav": "customers", "rows": rows, "profile": profile,
           "total": reads.customer_count(profile) if profile is not None else 0}
    return render(request, "leader/customers.html", ctx)


@require_GET
@leader_only
def team(request: HttpRequest) -> HttpResponse:
    profile = reads.profile_of(request.user)
    invite = invite_for(request.user)
    ctx: dict[str, Any] = {"nav": "team", "profile": profile, "invite": invite,
                           "max_levels": TREE_LEVELS}
    if invite is not None:
        ctx["invite_url"] = request.build_absolute_uri(invite.path)
    if profile is not None:
        ctx["summary"] = reads.team_summary(profile)
        ctx["rows"] = reads.children(profile, profile)
    return render(request, "leader/team.html", ctx)


@require_GET
@leader_only
def team_children(request: HttpRequest, profile_id: int) -> HttpResponse:
    """htmx: the invitees of one member of my team. Anyone outside my subtree (or
    too deep for the tree view) is answered 404, as if it did not exist."""
    me = reads.profile_of(request.user)
    node = LeaderProfile.objects.filter(pk=profile_id).first()
    if me is None or node is None or not reads.in_subtree(me, node) \
            or node.depth - me.depth >= TREE_LEVELS:
        raise Http404("not in your team")
    rows = reads.children(me, node)
    return render(request, "leader/_team_nodes.html",
                  {"rows": rows, "max_levels": TREE_LEVELS})
