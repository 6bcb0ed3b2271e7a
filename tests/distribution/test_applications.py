"""Applications and operator decisions: free to join, audited, operators only."""

from __future__ import annotations

import pytest

from shequn.accounts import roles
from shequn.checkout.models import Cart
from shequn.core import pii
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from shequn.distribution import applications
from shequn.distribution.codes import CODE_ALPHABET, CODE_LENGTH
from shequn.distribution.models import LeaderProfile, LeaderStatusChange
from shequn.shops.models import Shop
from tests.builders import make_application, make_leader, make_operator, make_user

pytestmark = pytest.mark.django_db

Status = LeaderProfile.Status


def test_apply_stores_phone_and_name_encrypted_hashed_and_masked():
    user = make_user()
    p = applications.apply(user, real_name="王小明", phone="+86 139-1234-5678", region="上海",
                       reason="社区团购")
    p.refresh_from_db()
    assert p.status == Status.PENDING and p.user_id == user.pk
    assert "13912345678" not in p.phone_enc and "王小明" not in p.real_name_enc
    assert pii.decrypt(p.phone_enc) == "13912345678"
    assert pii.decrypt(p.real_name_enc) == "王小明"
    assert p.phone_hash == pii.lookup_hash("13912345678")
    assert p.phone_masked == "139****5678" and p.real_name_masked == "王**"
    assert p.invite_code is None and p.path == "" and p.shop_id is None
    assert not roles.has_role(user, roles.LEADER)
    assert AuditLog.objects.filter(action="leader.apply", object_id=str(p.pk)).exists()
    # The audit trail never holds the clear phone number.
    assert "13912345678" not in str(AuditLog.objects.get(action="leader.apply").detail)


@pytest.mark.parametrize("field, value, code", [
    ("real_name", "", "invalid_real_name"),
    ("real_name", "x", "invalid_real_name"),
    ("real_name", "<b>张三</b>", "invalid_real_name"),
    ("phone", "12345", "invalid_phone"),
    ("region", "", "invalid_region"),
    ("reason", "a" * 501, "invalid_reason"),
])
def test_bad_application_is_refused_and_changes_nothing(field, value, code):
    with pytest.raises(DomainError) as exc:
        make_application(**{field: value})
    assert exc.value.code == code
    assert LeaderProfile.objects.count() == 0


def test_anonymous_cannot_apply():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(DomainError) as exc:
        make_application(AnonymousUser())
    assert exc.value.code == "not_signed_in"


def test_apply_twice_is_refused_but_a_rejected_member_may_apply_again(operator):
    user = make_user()
    p = make_application(user)
    with pytest.raises(DomainError) as exc:
        make_application(user)
    assert exc.value.code == "already_applied"
    applications.reject(p.pk, operator, "资料不全")
    again = make_application(user, region="北京")
    assert again.pk == p.pk and again.status == Status.PENDING and again.region == "北京"
    assert again.decision_reason == ""


def test_approve_grants_role_opens_shop_issues_code_and_is_audited(operator):
    p = make_application()
    approved = applications.approve(p.pk, operator, "资料齐全")
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert roles.has_role(approved.user, roles.LEADER)
    shop = Shop.objects.get(owner=approved.user)
    assert approved.shop_id == shop.pk and shop.active and shop.name.endswith("的小店")
    code = approved.invite_code
    assert code and len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert approved.grade == LeaderProfile.Grade.TRAINEE
    assert approved.decided_by_id == operator.pk and approved.decision_reason == "资料齐全"
    log = AuditLog.objects.get(action="leader.approve")
    assert log.actor_id == operator.pk and log.detail["reason"] == "资料齐全"
    changes = list(LeaderStatusChange.objects.filter(profile=approved)
                   .values_list("from_status", "to_status"))
    assert changes == [("", "pending"), ("pending", "approved")]


def test_invite_codes_are_not_sequential():
    codes = [make_leader().invite_code for _ in range(5)]
    assert len(set(codes)) == 5
    assert codes != sorted(codes) or codes != sorted(codes, reverse=True)
    assert all(c is not None and not c.isdigit() for c in codes)


def test_a_non_operator_cannot_decide_and_nothing_changes():
    p = make_application()
    leader = make_leader()
    for actor in (make_user(), leader.user, p.user):
        for fn in (applications.approve, applications.reject):
            with pytest.raises(DomainError) as exc:
                fn(p.pk, actor, "自己批")
            assert exc.value.code == "not_operator"
    p.refresh_from_db()
    assert p.status == Status.PENDING and p.shop_id is None
    assert not AuditLog.objects.filter(action__in=["leader.approve", "leader.reject"],
                                       object_id=str(p.pk)).exists()


def test_an_operator_cannot_approve_their_own_application():
    op = make_operator()
    p = make_application(op)
    with pytest.raises(DomainError) as exc:
        applications.approve(p.pk, op, "我自己")
    assert exc.value.code == "self_decision"
    p.refresh_from_db()
    assert p.status == Status.PENDING


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_a_reason_is_required(operator, reason):
    p = make_application()
    with pytest.raises(DomainError) as exc:
        applications.approve(p.pk, operator, reason)
    assert exc.value.code == "reason_required"
    p.refresh_from_db()
    assert p.status == Status.PENDING


def test_transitions_are_checked(operator):
    p = make_application()
    for fn in (applications.freeze, applications.unfreeze):
        with pytest.raises(DomainError) as exc:
            fn(p.pk, operator, "原因")
        assert exc.value.code == "invalid_transition"
    applications.reject(p.pk, operator, "不符合")
    with pytest.raises(DomainError) as exc:
        applications.approve(p.pk, operator, "改主意")
    assert exc.value.code == "invalid_transition"
    with pytest.raises(DomainError) as exc:
        applications.approve(999999, operator, "x")
    assert exc.value.code == "application_not_found"


def test_freeze_stops_attribution_and_unfreeze_restores_it(operator):
    leader = make_leader(operator=operator)
    buyer_cart = Cart.objects.create(shop=leader.shop, leader=leader.user,
                                     attribution_channel="link")
    applications.freeze(leader.pk, operator, "违规宣传")
    leader.refresh_from_db()
    assert leader.status == Status.FROZEN
    assert not roles.has_role(leader.user, roles.LEADER)
    assert not Shop.objects.get(pk=leader.shop_id).active
    buyer_cart.refresh_from_db()
    assert buyer_cart.leader_id is None and buyer_cart.shop_id is None
    assert AuditLog.objects.filter(action="leader.freeze", object_id=str(leader.pk)).exists()

    applications.unfreeze(leader.pk, operator, "已整改")
    leader.refresh_from_db()
    assert leader.status == Status.APPROVED
    assert roles.has_role(leader.user, roles.LEADER)
    assert Shop.objects.get(pk=leader.shop_id).active


def test_terminate_is_final(operator):
    leader = make_leader(operator=operator)
    applications.terminate(leader.pk, operator, "解约")
    leader.refresh_from_db()
    assert leader.status == Status.TERMINATED
    assert not Shop.objects.get(pk=leader.shop_id).active
    for fn in (applications.unfreeze, applications.freeze, applications.approve):
        with pytest.raises(DomainError) as exc:
            fn(leader.pk, operator, "再来")
        assert exc.value.code == "invalid_transition"
    with pytest.raises(DomainError) as exc:
        make_application(leader.user)
    assert exc.value.code == "already_applied"


def test_open_join_approves_at_once(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LEADER_OPEN_JOIN": True}
    inviter = make_application()
    assert inviter.status == Status.APPROVED
    p = make_application(invite_code=inviter.invite_code)
    p.refresh_from_db()
    assert p.status == Status.APPROVED and p.decision_reason == "open_join"
    assert p.decided_by_id is None and p.inviter_id == inviter.pk
    assert roles.has_role(p.user, roles.LEADER) and p.shop_id is not None
    assert AuditLog.objects.filter(action="leader.approve", object_id=str(p.pk),
                                   actor__isnull=True).exists()


def test_without_open_join_an_application_waits():
    p = make_application()
    assert p.status == Status.PENDING and p.shop_id is None


def test_joining_never_needs_a_purchase_or_payment():
    # A brand-new account with no orders and no money becomes a leader.
    user = make_user()
    assert not user.orders.exists()
    p = applications.approve(make_application(user).pk, make_operator(), "ok")
    assert p.status == Status.APPROVED


def test_an_existing_shop_of_the_member_is_reused(operator):
    from shequn.shops import services as shops

    user = make_user()
    roles.grant(user, roles.LEADER)
    shop = shops.create_shop(user, "old-shop", "旧店")
    p = applications.approve(make_application(user).pk, operator, "ok")
    assert p.shop_id == shop.pk and Shop.objects.filter(owner=user).count() == 1
