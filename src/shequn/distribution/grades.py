"""Leader grades: from a leader's OWN attributed sales and service only, never
their team's (《禁止传销条例》 Art. 7). Each public function is one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, Sum

from shequn.core import audit, clock
from shequn.distribution import conf
from shequn.distribution.applications import lock_profile
from shequn.distribution.models import LeaderProfile
from shequn.orders.models import Order

Status = LeaderProfile.Status
Grade = LeaderProfile.Grade


@dataclass(frozen=True)
class GradeStats:
    """A leader's OWN attributed orders in the window (never their team's)."""

    orders: int = 0
    gmv: Decimal = Decimal("0.00")
    refunded: int = 0

    @property
    def refund_rate(self) -> Decimal:
        total = self.orders + self.refunded
        return Decimal(self.refunded) / Decimal(total) if total else Decimal(0)


def grade_for(stats: GradeStats, rules: list[conf.GradeRule]) -> str:
    """Pure rule: the highest grade whose own-sales and service thresholds are met."""
    for rule in rules:
        if (stats.orders >= rule.orders and stats.gmv >= rule.gmv
                and stats.refund_rate <= rule.max_refund_rate):
            return rule.grade
    return Grade.TRAINEE


def _stats_by_leader(user_ids: list[int] | None) -> dict[int, GradeStats]:
    since = clock.now() - dt.timedelta(days=conf.grade_window_days())
    paid = [Order.State.PAID, Order.State.ON_HOLD, Order.State.SHIPPED, Order.State.DELIVERED,
            Order.State.COMPLETED]
    qs = Order.objects.filter(leader__isnull=False, paid_at__gte=since)
    if user_ids is not None:
        qs = qs.filter(leader_id__in=user_ids)
    rows = qs.values("leader_id").annotate(
        n=Count("id", filter=Q(state__in=paid)),
        gmv=Sum("goods_value", filter=Q(state__in=paid)),
        refunded=Count("id", filter=Q(state=Order.State.REFUNDED)))
    return {r["leader_id"]: GradeStats(orders=r["n"], gmv=r["gmv"] or Decimal("0.00"),
                                       refunded=r["refunded"]) for r in rows}


@transaction.atomic
def recompute_grade(profile_id: int) -> LeaderProfile:
    profile = lock_profile(profile_id)
    if profile.status != Status.APPROVED:
        return profile
    stats = _stats_by_leader([profile.user_id]).get(profile.user_id, GradeStats())
    grade = grade_for(stats, conf.grade_rules())
    if grade != profile.grade:
        old = profile.grade
        profile.grade, profile.grade_at = grade, clock.now()
        profile.save(update_fields=["grade", "grade_at"])
        audit.record(None, "leader.grade", profile, old=old, new=grade, orders=stats.orders,
                     gmv=stats.gmv)
    return profile


@transaction.atomic
def recompute_all_grades() -> int:
    """Recompute every approved leader's grade with one aggregate query; returns
    how many grades changed."""
    rules = conf.grade_rules()
    stats = _stats_by_leader(None)
    changes: dict[str, list[int]] = {}
    rows = (LeaderProfile.objects.filter(status=Status.APPROVED)
            .values_list("pk", "user_id", "grade").iterator(chunk_size=5000))
    for pk, user_id, current in rows:
        grade = grade_for(stats.get(user_id, GradeStats()), rules)
        if grade != current:
            changes.setdefault(grade, []).append(pk)
    now = clock.now()
    for grade, ids in changes.items():
        for i in range(0, len(ids), 5000):
            LeaderProfile.objects.filter(pk__in=ids[i:i + 5000]).update(grade=grade, grade_at=now)
    return sum(len(ids) for ids in changes.values())


def grades_job() -> int:
    """Periodic job: recompute all grades at most every LEADER_GRADE_INTERVAL_SECONDS
    (the worker loop calls jobs every few seconds; the cache key is the throttle)."""
    if not cache.add("distribution:grades_job", 1, timeout=conf.grade_interval_seconds()):
        return 0
    return recompute_all_grades()

