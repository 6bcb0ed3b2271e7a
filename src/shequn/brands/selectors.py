"""Reads about brand organizations and their people."""

from __future__ import annotations

from typing import Any

from shequn.brands.models import Membership
from shequn.catalog.models import Organization


def memberships(user: Any) -> list[Membership]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.filter(user=user, active=True)
                .select_related("organization").order_by("pk"))


def membership_of(user: Any, organization_id: int | None = None) -> Membership | None:
    """The user's active membership (of ``organization_id`` when given, else the
    first one: staff normally belong to one organization)."""
    for m in memberships(user):
        if organization_id is None or m.organization_id == organization_id:
            return m
    return None


def organization_ids(user: Any) -> set[int]:
    return {m.organization_id for m in memberships(user)}


def staff_of(organization: Organization, roles: tuple[str, ...] | None = None) -> list[Any]:
    """The active people of an organization (for notices)."""
    qs = Membership.objects.filter(organization=organization, active=True,
                                   user__is_active=True).select_related("user")
    if roles:
        qs = qs.filter(role__in=roles)
    return [m.user for m in qs]
