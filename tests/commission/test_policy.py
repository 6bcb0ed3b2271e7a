"""The policy check refuses 传销 plans by clause (《禁止传销条例》第七条)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.commission import services
from shequn.commission.errors import CommissionError
from shequn.commission.models import CommissionPlan, PolicySetting
from shequn.commission.policy import PlanTerms, check_plan, line_commission
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from tests.builders import leader_and_shop


def _refused(terms: PlanTerms, max_levels: int = 1) -> DomainError:
    with pytest.raises(DomainError) as exc:
        check_plan(terms, max_levels)
    return exc.value


def test_upline_on_downline_sales_is_art_7_3():
    err = _refused(PlanTerms(kind="rate", rate=Decimal("0.03"), level=2))
    assert err.code == CommissionError.PLAN_PAYS_UPLINE
    assert "《禁止传销条例》第七条第（三）项" in err.message
    assert "并以下线的销售业绩为依据计算和给付上线报酬" in err.message
    assert "Art. 7(3)" in err.message_en


def test_per_recruit_bonus_is_art_7_1_even_abroad():
    for levels in (1, 2):
        err = _refused(PlanTerms(kind="rate", rate=Decimal("0.1"),
                                 per_recruit_bonus=Decimal("5.00")), levels)
        assert err.code == CommissionError.PLAN_PAYS_PER_RECRUIT
        assert "第七条第（一）项" in err.message and "拉人头" in err.message


def test_join_fee_is_art_7_2_even_abroad():
    for levels in (1, 2):
        err = _refused(PlanTerms(kind="rate", rate=Decimal("0.1"), join_fee=Decimal("99")),
                       levels)
        assert err.code == CommissionError.PLAN_CHARGES_TO_JOIN
        assert "第七条第（二）项" in err.message and "入门费" in err.message


def test_two_levels_only_where_allowed():
    check_plan(PlanTerms(kind="rate", rate=Decimal("0.03"), level=2), max_levels=2)
    _refused(PlanTerms(kind="rate", rate=Decimal("0.03"), level=3), max_levels=2)


@pytest.mark.parametrize("terms", [
    PlanTerms(kind="rate", rate=Decimal("0")),
    PlanTerms(kind="rate", rate=Decimal("-0.1")),
    PlanTerms(kind="rate", rate=Decimal("1.5")),
    PlanTerms(kind="rate", rate=Decimal("0.12345")),
    PlanTerms(kind="fixed", fixed_amount=Decimal("0")),
    PlanTerms(kind="fixed", fixed_amount=Decimal("1.001")),
    PlanTerms(kind="bonus", rate=Decimal("0.1")),
    PlanTerms(kind="rate", rate=Decimal("0.1"), level=0),
])
def test_invalid_terms(terms):
    assert _refused(terms).code == CommissionError.PLAN_INVALID


def test_line_commission_arithmetic():
    assert line_commission("rate", Decimal("0.05"), Decimal("0"), 1,
                           Decimal("10.10")) == Decimal("0.51")  # 0.505 half up
    assert line_commission("fixed", Decimal("0"), Decimal("3.00"), 4,
                           Decimal("100.00")) == Decimal("12.00")
    assert line_commission("fixed", Decimal("0"), Decimal("3.00"), 4,
                           Decimal("10.00")) == Decimal("10.00")


@pytest.mark.django_db
def test_create_plan_refuses_two_levels_by_default_and_changes_nothing(operator):
    with pytest.raises(DomainError) as exc:
        services.create_plan(operator, scope="default", kind="rate", rate="0.03", level=2)
    assert exc.value.code == CommissionError.PLAN_PAYS_UPLINE
    assert not CommissionPlan.objects.exists()


@pytest.mark.django_db
def test_only_operators_make_plans_or_jurisdictions(db):
    user, _ = leader_and_shop()
    with pytest.raises(DomainError) as exc:
        services.create_plan(user, scope="default", kind="rate", rate="0.10")
    assert exc.value.code == CommissionError.NOT_OPERATOR
    with pytest.raises(DomainError):
        services.set_jurisdiction(user, "SG", 2, "test")
    assert not PolicySetting.objects.exists()


@pytest.mark.django_db
def test_another_jurisdiction_allows_two_levels_audited(operator):
    with pytest.raises(DomainError) as exc:
        services.set_jurisdiction(operator, "CN", 2, "想要二级")
    assert exc.value.code == CommissionError.PLAN_PAYS_UPLINE
    with pytest.raises(DomainError) as exc:
        services.set_jurisdiction(operator, "SG", 2, " ")
    assert exc.value.code == CommissionError.REASON_REQUIRED
    services.set_jurisdiction(operator, "SG", 2, "新加坡站点，法务意见 2026-11")
    assert AuditLog.objects.filter(action="commission.jurisdiction", actor=operator).exists()
    plan = services.create_plan(operator, scope="default", kind="rate", rate="0.02", level=2)
    assert plan.active and plan.level == 2
    # Back to mainland China: the two-level plan is switched off.
    services.set_jurisdiction(operator, "CN", 1, "回到中国大陆规则")
    plan.refresh_from_db()
    assert not plan.active
    assert services.max_levels() == 1


@pytest.mark.django_db
def test_new_plan_replaces_the_active_one_for_the_target(operator):
    first = services.create_plan(operator, scope="default", kind="rate", rate="0.10")
    second = services.create_plan(operator, scope="default", kind="fixed",
                                  fixed_amount="2.00")
    first.refresh_from_db()
    assert not first.active and second.active
    assert AuditLog.objects.filter(action="commission.plan").count() == 2


@pytest.mark.django_db
def test_plan_scope_must_match_target(operator, sku):
    for kwargs in ({"scope": "product"}, {"scope": "default", "product": sku.product},
                   {"scope": "galaxy"}):
        with pytest.raises(DomainError) as exc:
            services.create_plan(operator, kind="rate", rate="0.1", **kwargs)
        assert exc.value.code == CommissionError.PLAN_INVALID
    with pytest.raises(DomainError) as exc:
        services.create_plan(operator, scope="default", kind="rate", rate=0.1)  # float
    assert exc.value.code == CommissionError.PLAN_INVALID


@pytest.mark.parametrize("amount", ["1e30", "1000000000000000", "1000000000000.00"])
def test_a_fixed_amount_too_large_for_the_column_is_refused_not_a_500(operator, amount):
    """quantize() of 1e30 raised InvalidOperation, and 1e15 passed the check but
    overflowed the amount column (14 digits) on insert: both were server errors."""
    before = CommissionPlan.objects.count()
    with pytest.raises(DomainError) as exc:
        services.create_plan(operator, scope="default", kind="fixed", fixed_amount=amount)
    assert exc.value.code == CommissionError.PLAN_INVALID
    assert CommissionPlan.objects.count() == before
