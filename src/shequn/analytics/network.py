"""Reads for a leader's own network: customers bound to them and their team
(leaders they invited). Names are masked here, before any page sees them.
Every list is a fixed number of queries (subqueries / GROUP BY), not one per row.

The team is shown for mentoring only: no money flows along the recruitment tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum

from shequn.analytics.funnels import CHANNEL_LABELS, SALE_STATES, ZERO
from shequn.core import clock
from shequn.core.pii import mask_person
from shequn.distribution.models import CustomerBinding, LeaderProfile
from shequn.orders.models import Order
from shequn.orders.selectors import net_paid

ACTIVE_DAYS = 30


def profile_of(user: Any) -> LeaderProfile | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return LeaderProfile.objects.filter(user_id=user.pk).first()


@dataclass
class CustomerRow:
    name: str
    channel: str
    bound_at: dt.datetime
    last_order_number: str | None
    last_order_at: dt.datetime | None
    orders: int
    spent: Decimal

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))


def customers_of(profile: LeaderProfile, limit: int = 200) -> list[CustomerRow]:
    """Buyers currently bound to ``profile``, newest first, with their last order
    attributed to this leader (other leaders' orders stay invisible)."""
    mine = Order.objects.filter(user=OuterRef("buyer_id"), leader_id=profile.user_id)
    last = mine.order_by("-created_at")
    sales = mine.filter(state__in=SALE_STATES).order_by().values("user")
    qs = (CustomerBinding.objects.filter(leader=profile)
          .annotate(last_number=Subquery(last.values("number")[:1]),
                    last_at=Subquery(last.values("created_at")[:1]),
                    n_orders=Subquery(sales.annotate(n=Count("pk")).values("n")[:1]),
                    spent=Subquery(sales.annotate(s=Sum(net_paid())).values("s")[:1]))
          .values("buyer__display_name", "buyer__phone_masked", "buyer__username", "channel",
                  "bound_at", "last_number", "last_at", "n_orders", "spent")
          .order_by("-bound_at")[:limit])
    return [CustomerRow(name=mask_person(r["buyer__display_name"], r["buyer__phone_masked"],
                                         r["buyer__username"]),
                        channel=r["channel"], bound_at=r["bound_at"],
                        last_order_number=r["last_number"], last_order_at=r["last_at"],
                        orders=r["n_orders"] or 0, spent=r["spent"] or ZERO)
            for r in qs]


def customer_count(profile: LeaderProfile) -> int:
    return CustomerBinding.objects.filter(leader=profile).count()


@dataclass
class TeamRow:
    profile_id: int
    name: str
    status: str
    status_label: str
    grade_label: str
    joined_at: dt.datetime | None
    depth: int  # levels below the viewer (1 = invited by the viewer)
    team_size: int
    direct: int
    orders_30d: int
    last_order_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.orders_30d > 0


def in_subtree(root: LeaderProfile, node: LeaderProfile) -> bool:
    """True when ``node`` is ``root`` or below it in the recruitment tree."""
    return bool(root.path) and node.path.startswith(root.path)


def children(root: LeaderProfile, parent: LeaderProfile, limit: int = 100) -> list[TeamRow]:
    """Direct invitees of ``parent`` (which must be in ``root``'s subtree), with their
    own activity: attributed sales in the last 30 days (their sales, not money for
    anyone above them)."""
    if not in_subtree(root, parent):
        return []
    since = clock.now() - dt.timedelta(days=ACTIVE_DAYS)
    sales = (Order.objects.filter(leader_id=OuterRef("user_id"), state__in=SALE_STATES)
             .order_by().values("leader_id"))
    qs: QuerySet[LeaderProfile] = (
        LeaderProfile.objects.filter(inviter=parent)
        .annotate(direct=Count("invitees"),
                  orders_30d=Subquery(sales.filter(paid_at__gte=since)
                                      .annotate(n=Count("pk")).values("n")[:1]),
                  last_order_at=Subquery(sales.annotate(m=Max("paid_at")).values("m")[:1]))
        .select_related("user").order_by("id")[:limit])
    return [TeamRow(profile_id=p.pk,
                    name=p.real_name_masked or mask_person(
                        p.user.display_name, p.phone_masked, p.user.username),
                    status=p.status, status_label=p.get_status_display(),
                    grade_label=p.get_grade_display(), joined_at=p.decided_at,
                    depth=p.depth - root.depth, team_size=p.team_size,
                    direct=p.direct,  # type: ignore[attr-defined]
                    orders_30d=p.orders_30d or 0,  # type: ignore[attr-defined]
                    last_order_at=p.last_order_at)  # type: ignore[attr-defined]
            for p in qs]


def team_summary(profile: LeaderProfile) -> dict[str, int]:
    """Team size and depth as kept by the distribution domain, plus direct invitees
    and how many of them sold something in the last 30 days."""
    since = clock.now() - dt.timedelta(days=ACTIVE_DAYS)
    direct = LeaderProfile.objects.filter(inviter=profile)
    active = (Order.objects.filter(leader_id__in=direct.values("user_id"),
                                   state__in=SALE_STATES, paid_at__gte=since)
              .values("leader_id").distinct().count())
    return {"team_size": profile.team_size, "team_depth": profile.team_depth,
            "direct": direct.count(), "active_direct": active,
            "approved_direct": direct.filter(status=LeaderProfile.Status.APPROVED).count()}
