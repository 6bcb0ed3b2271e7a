"""Fission (裂变) metrics: how the leader network grows by invitation.

**K-factor per monthly cohort.** The cohort of month M is every leader whose
application was first approved in M (Asia/Shanghai calendar month).

- *invites* of the cohort: applications to become a leader made with the invite code
  of a cohort member (any outcome: pending, approved, rejected …);
- *invites per leader* ``i`` = invites ÷ cohort size;
- an invitee is **activated** when they were approved and their first attributed,
  paid order (``Order.leader`` = the invitee, ``paid_at`` set; a later refund does not
  undo the activation) was paid within ``ACTIVATION_DAYS`` (30) days of their approval;
- *activation* ``c`` = activated invitees ÷ invites;
- **K = i × c** = activated invitees ÷ cohort size. K > 1 means each cohort brings in
  more than one new *selling* leader.

These numbers describe growth only. Nobody is paid per invite or on an invitee's
sales (《禁止传销条例》 Art. 7); see ``shequn.commission.policy``.

**Team size and depth distribution.** From the counters the distribution domain keeps
(``team_size``, ``team_depth``) and each leader's own ``depth`` in the tree.

Every function is a fixed number of grouped queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shequn.distribution.models import LeaderProfile, LeaderStatusChange
from shequn.orders.models import Order

ACTIVATION_DAYS = 30
APPROVED = LeaderProfile.Status.APPROVED
# Team size buckets: (label, lower bound inclusive, upper bound inclusive or None).
SIZE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0), ("1", 1, 1), ("2–5", 2, 5), ("6–20", 6, 20), ("21–100", 21, 100),
    ("101–1000", 101, 1000), (">1000", 1001, None))


def _approved_at(profile_ref: str = "pk") -> Subquery:
    """When a profile was first approved (decided_at is overwritten by later freezes)."""
    first = (LeaderStatusChange.objects.filter(profile_id=OuterRef(profile_ref),
                                               to_status=APPROVED)
             .order_by("at").values("at")[:1])
    return Subquery(first, output_field=DateTimeField())


def _inviter_approved_at() -> Subquery:
    first = (LeaderStatusChange.objects.filter(profile__invite_code=OuterRef("invite_code_used"),
                                               to_status=APPROVED)
             .order_by("at").values("at")[:1])
    return Subquery(first, output_field=DateTimeField())


def _first_sale_at() -> Subquery:
    first = (Order.objects.filter(leader_id=OuterRef("user_id"), paid_at__isnull=False)
             .order_by("paid_at").values("paid_at")[:1])
    return Subquery(first, output_field=DateTimeField())


@dataclass
class Cohort:
    month: dt.date
    leaders: int = 0
    invites: int = 0
    activated: int = 0

    @property
    def invites_per_leader(self) -> Decimal | None:
        if not self.leaders:
            return None
        return (Decimal(self.invites) / Decimal(self.leaders)).quantize(Decimal("0.001"))

    @property
    def activation(self) -> Decimal | None:
        if not self.invites:
            return None
        return (Decimal(self.activated) / Decimal(self.invites)).quantize(Decimal("0.001"))

    @property
    def k_factor(self) -> Decimal | None:
        """i × c, which simplifies to activated ÷ cohort size."""
        if not self.leaders:
            return None
        return (Decimal(self.activated) / Decimal(self.leaders)).quantize(Decimal("0.001"))


def _month(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def k_factor_by_cohort(since: dt.datetime | None = None) -> list[Cohort]:
    """One row per month with approvals (oldest first); see the module docstring."""
    tz = timezone.get_current_timezone()
    cohort_qs = (LeaderProfile.objects.annotate(approved_at=_approved_at())
                 .filter(approved_at__isnull=False))
    if since is not None:
        cohort_qs = cohort_qs.filter(approved_at__gte=since)
    sizes = (cohort_qs.annotate(m=TruncMonth("approved_at", tzinfo=tz)).values("m")
             .annotate(n=Count("pk")).order_by())
    window = dt.timedelta(days=ACTIVATION_DAYS)
    invitees = (LeaderProfile.objects.exclude(invite_code_used="")
                .annotate(inviter_at=_inviter_approved_at(), own_at=_approved_at(),
                          first_sale=_first_sale_at())
                .filter(inviter_at__isnull=False))
    if since is not None:
        invitees = invitees.filter(inviter_at__gte=since)
    deadline = ExpressionWrapper(F("own_at") + Value(window), output_field=DateTimeField())
    activated = Case(When(Q(own_at__isnull=False, first_sale__isnull=False,
                            first_sale__lte=deadline), then=Value(1)),
                     default=Value(0), output_field=IntegerField())
    grown = (invitees.annotate(m=TruncMonth("inviter_at", tzinfo=tz), act=activated)
             .values("m").annotate(n=Count("pk"), a=Sum("act")).order_by())
    rows: dict[dt.date, Cohort] = {}
    for g in sizes:
        month = _month(g["m"])
        rows.setdefault(month, Cohort(month)).leaders += g["n"]
    for g in grown:
        month = _month(g["m"])
        row = rows.setdefault(month, Cohort(month))
        row.invites += g["n"]
        row.activated += g["a"] or 0
    return [rows[m] for m in sorted(rows)]


@dataclass(frozen=True)
class Bucket:
    label: str
    leaders: int


def team_size_distribution() -> list[Bucket]:
    """Approved leaders by the size of the team below them (all depths)."""
    whens = []
    for label, low, high in SIZE_BUCKETS:
        cond = Q(team_size__gte=low) if high is None else Q(team_size__gte=low,
                                                              team_size__lte=high)
        whens.append(When(cond, then=Value(label)))
    counts = dict(LeaderProfile.objects.filter(status=APPROVED)
                  .annotate(bucket=Case(*whens, default=Value("?")))
                  .values("bucket").annotate(n=Count("pk")).order_by()
                  .values_list("bucket", "n"))
    return [Bucket(label, counts.get(label, 0)) for label, _, _ in SIZE_BUCKETS]


def depth_distribution() -> list[Bucket]:
    """Approved leaders per level of the tree (0 = joined without an inviter)."""
    rows = (LeaderProfile.objects.filter(status=APPROVED).values("depth")
            .annotate(n=Count("pk")).order_by("depth"))
    return [Bucket(str(r["depth"]), r["n"]) for r in rows]


def team_depth_distribution() -> list[Bucket]:
    """Approved leaders by how many levels their team reaches below them."""
    rows = (LeaderProfile.objects.filter(status=APPROVED).values("team_depth")
            .annotate(n=Count("pk")).order_by("team_depth"))
    return [Bucket(str(r["team_depth"]), r["n"]) for r in rows]
