"""Grades come only from a leader's OWN attributed paid orders and service,
never from headcount or team sales."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.core.errors import DomainError
from shequn.distribution import conf, grades
from shequn.distribution.grades import GradeStats, grade_for
from shequn.distribution.models import LeaderProfile
from shequn.orders.models import Order
from tests.builders import make_buyable, make_buyer, make_leader, make_operator, place_paid_order

Grade = LeaderProfile.Grade

RULES = [conf.GradeRule("gold", 10, Decimal("1000"), Decimal("0.10")),
         conf.GradeRule("regular", 2, Decimal("100"), Decimal("0.25"))]


@pytest.mark.parametrize("stats, grade", [
    (GradeStats(0, Decimal("0"), 0), "trainee"),
    (GradeStats(2, Decimal("99.99"), 0), "trainee"),
    (GradeStats(2, Decimal("100"), 0), "regular"),
    (GradeStats(3, Decimal("500"), 1), "regular"),     # refund rate 0.25
    (GradeStats(2, Decimal("500"), 1), "trainee"),     # refund rate 0.33
    (GradeStats(10, Decimal("1000"), 1), "gold"),      # 1/11 ≈ 0.09
    (GradeStats(10, Decimal("1000"), 2), "regular"),   # 2/12 ≈ 0.17
])
def test_grade_rule(stats, grade):
    assert grade_for(stats, RULES) == grade


def test_headcount_cannot_be_a_grade_condition(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LEADER_GRADE_THRESHOLDS": {
        "gold": {"orders": 1, "team_size": 100}}}
    with pytest.raises(DomainError) as exc:
        conf.grade_rules()
    assert exc.value.code == "invalid_policy"


@pytest.fixture
def low_thresholds(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LEADER_GRADE_THRESHOLDS": {
        "regular": {"orders": 2, "gmv": "100.00", "max_refund_rate": "0.40"},
        "gold": {"orders": 3, "gmv": "100.00", "max_refund_rate": "0.00"}}}


@pytest.mark.django_db
def test_own_paid_orders_raise_the_grade_team_sales_do_not(low_thresholds):
    op = make_operator()
    leader = make_leader(operator=op)
    invitee = make_leader(leader, op)
    sku = make_buyable(stock=20)
    # The invitee sells a lot: the inviter's grade must not move.
    for _ in range(3):
        place_paid_order(make_buyer(), sku, shop=invitee.shop)
    assert grades.recompute_grade(leader.pk).grade == Grade.TRAINEE
    assert grades.recompute_grade(invitee.pk).grade == "gold"
    # The leader's own two paid orders make them 正式.
    for _ in range(2):
        place_paid_order(make_buyer(), sku, shop=leader.shop)
    assert grades.recompute_grade(leader.pk).grade == Grade.REGULAR
    # A refund counts against service: 1 of 3 refunded is over gold's 0 but under 0.40.
    third = place_paid_order(make_buyer(), sku, shop=leader.shop)
    Order.objects.filter(pk=third.pk).update(state=Order.State.REFUNDED)
    assert grades.recompute_grade(leader.pk).grade == Grade.REGULAR


@pytest.mark.django_db
def test_recompute_all_grades_and_the_throttled_job(low_thresholds):
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    sku = make_buyable(stock=20)
    for _ in range(2):
        place_paid_order(make_buyer(), sku, shop=a.shop)
    assert grades.grades_job() == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.grade, b.grade) == (Grade.REGULAR, Grade.TRAINEE)
    place_paid_order(make_buyer(), sku, shop=a.shop)
    assert grades.grades_job() == 0  # throttled: ran less than an interval ago
    assert grades.recompute_all_grades() == 1
    a.refresh_from_db()
    assert a.grade == "gold"


def test_the_job_is_registered():
    from shequn.core import worker

    assert grades.grades_job in worker._periodic
