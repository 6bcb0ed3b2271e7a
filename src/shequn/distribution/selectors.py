"""Reads of the network: profiles, the recruitment tree, bindings.

The tree is for team views only; no money ever flows along it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from shequn.core import clock
from shequn.distribution import conf
from shequn.distribution.codes import make_invite_token, path_ids
from shequn.distribution.models import BindingChange, CustomerBinding, LeaderProfile

Status = LeaderProfile.Status


def profile_for(user: Any) -> LeaderProfile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return LeaderProfile.objects.select_related("shop", "inviter").filter(user_id=user.pk).first()


def is_attributing(user_id: int) -> bool:
    """True when the user is an approved leader whose shop is open: only such a
    leader's bindings and links attribute sales."""
    return LeaderProfile.objects.filter(user_id=user_id, status=Status.APPROVED,
                                        shop__active=True).exists()


def applications(status: str | None = Status.PENDING, limit: int = 50,
                 offset: int = 0) -> list[LeaderProfile]:
    qs = LeaderProfile.objects.select_related("user", "inviter").order_by("applied_at", "id")
    if status:
        qs = qs.filter(status=status)
    return list(qs[offset:offset + max(0, min(limit, 200))])


def status_history(profile: LeaderProfile) -> list[Any]:
    return list(profile.status_changes.all())


def invite_path(profile: LeaderProfile) -> str:
    """Relative URL of the leader's signed invite link (the web layer serves /join/<token>/)."""
    if not profile.invite_code:
        return ""
    return f"/join/{make_invite_token(profile.invite_code)}/"


# --------------------------------------------------------------------------- tree

def team_size(leader: LeaderProfile) -> int:
    """Leaders ever approved below ``leader`` (all depths): a counter kept at approval."""
    return int(LeaderProfile.objects.filter(pk=leader.pk).values_list("team_size",
                                                                       flat=True).get())


def team_depth(leader: LeaderProfile) -> int:
    """How many levels the team reaches below ``leader`` (0: nobody invited)."""
    return int(LeaderProfile.objects.filter(pk=leader.pk).values_list("team_depth",
                                                                       flat=True).get())


def team_members(leader: LeaderProfile) -> QuerySet[LeaderProfile]:
    """Everyone below ``leader``: a prefix query on the materialised path
    (index ``dist_leader_path_prefix``, varchar_pattern_ops on PostgreSQL)."""
    if not leader.path:
        return LeaderProfile.objects.none()
    return LeaderProfile.objects.filter(path__startswith=leader.path).exclude(pk=leader.pk)


def direct_invitees(leader: LeaderProfile, limit: int = 20, offset: int = 0
                    ) -> list[LeaderProfile]:
    """Leaders ``leader`` invited, oldest first (index on (inviter, id))."""
    limit = max(0, min(limit, 200))
    offset = max(0, offset)
    return list(LeaderProfile.objects.filter(inviter_id=leader.pk)
                .order_by("id")[offset:offset + limit])


def direct_invitee_count(leader: LeaderProfile) -> int:
    return LeaderProfile.objects.filter(inviter_id=leader.pk).count()


def ancestors(leader: LeaderProfile) -> list[LeaderProfile]:
    """Inviter chain, root first (display only: never used for money)."""
    ids = path_ids(leader.path)[:-1] if leader.path else []
    by_id = {p.pk: p for p in LeaderProfile.objects.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


# --------------------------------------------------------------------------- bindings

@dataclass(frozen=True)
class BindingView:
    binding: CustomerBinding
    attributing: bool
    valid_until: dt.datetime | None
    protected_until: dt.datetime | None


def binding_of(buyer: Any) -> BindingView | None:
    """The buyer's binding with its validity and 保护期 under the current policy."""
    b = (CustomerBinding.objects.select_related("leader", "leader__shop")
         .filter(buyer_id=buyer.pk).first())
    if b is None:
        return None
    policy = conf.binding_policy()
    valid_until = (b.bound_at + dt.timedelta(days=policy.days)
                   if policy.mode == "days" else None)
    protected = (b.bound_at + dt.timedelta(days=policy.protection_days)
                 if policy.mode == "last_touch" else None)
    leader = b.leader
    attributing = (leader.status == Status.APPROVED and leader.shop is not None
                   and leader.shop.active
                   and (valid_until is None or clock.now() < valid_until))
    return BindingView(b, attributing, valid_until, protected)


def customers_of(leader: LeaderProfile, limit: int = 50, offset: int = 0
                 ) -> list[CustomerBinding]:
    """Buyers bound to ``leader``, newest first (show them masked)."""
    limit = max(0, min(limit, 200))
    return list(CustomerBinding.objects.filter(leader=leader).select_related("buyer")
                .order_by("-bound_at", "-id")[max(0, offset):max(0, offset) + limit])


def binding_history(buyer: Any) -> list[BindingChange]:
    return list(BindingChange.objects.filter(buyer_id=buyer.pk)
                .select_related("old_leader", "new_leader"))


def in_subtree(ancestor: LeaderProfile, node: LeaderProfile) -> bool:
    """True when ``node`` is ``ancestor`` or below it (a path prefix test, no query)."""
    return bool(ancestor.path) and node.path.startswith(ancestor.path)
