"""Organizations and their people: operators create organizations and invite;
brand admins invite to their own organization only, with brand roles; the
invitee accepts signed in with the invited phone; tokens expire and work once;
deactivation removes the role when no other membership needs it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shequn.accounts import roles
from shequn.brands import people
from shequn.brands.models import Invitation, Membership
from shequn.catalog.models import Organization
from shequn.core import clock, pii
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from tests.builders import make_buyer, make_user
from tests.builders.console import make_brand, make_warehouse_operator, operator
from tests.builders.ids import phone as new_phone

pytestmark = pytest.mark.django_db
R = Membership.Role


def _code(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_operator_creates_organization_with_code_and_audit() -> None:
    ops = operator()
    org = people.create_organization(ops, kind="ebc", name="进口商甲", code="importer-a")
    assert org.kind == Organization.Kind.EBC and org.code == "importer-a"
    assert AuditLog.objects.filter(action="brands.org_create", object_id=str(org.pk)).exists()
    assert _code(lambda: people.create_organization(ops, kind="brand", name="乙",
                                                    code="importer-a")) == "org_code_taken"
    assert _code(lambda: people.create_organization(ops, kind="payment", name="丙",
                                                    code="pay-c")) == "bad_organization"
    assert _code(lambda: people.create_organization(ops, kind="brand", name="丁",
                                                    code="Bad Code!")) == "bad_organization"
    brand = make_brand()
    assert _code(lambda: people.create_organization(brand.admin, kind="brand", name="戊",
                                                    code="x-brand")) == "forbidden"
    assert not Organization.objects.filter(code__in=["pay-c", "x-brand"]).exists()


def test_operator_invites_and_invitee_accepts_with_the_invited_phone() -> None:
    wh_org, _ = make_warehouse_operator()
    phone = new_phone()
    inv, token = people.invite(operator(), wh_org, role=R.WAREHOUSE, name="王五", phone=phone)
    assert inv.token_hash == people.token_hash(token) and token not in inv.token_hash
    assert inv.phone_masked == pii.mask_phone(phone) and phone not in inv.phone_enc
    user = make_user(phone=phone)
    m = people.accept(user, token)
    assert m.organization == wh_org and m.role == R.WAREHOUSE and m.active
    assert roles.has_role(user, roles.WAREHOUSE_STAFF)
    assert wh_org.members.filter(pk=user.pk).exists()
    inv.refresh_from_db()
    assert inv.accepted_by == user and inv.accepted_at is not None


def test_brand_admin_invites_to_own_org_brand_roles_only() -> None:
    a, b = make_brand(), make_brand()
    inv, token = people.invite(a.admin, a.org, role=R.STAFF, name="李四", phone=new_phone())
    assert inv.invited_by == a.admin
    # another organization, a warehouse role, brand staff (not admin): refused, nothing written
    before = Invitation.objects.count()
    assert _code(lambda: people.invite(a.admin, b.org, role=R.STAFF, name="x",
                                       phone=new_phone())) == "invite_forbidden"
    assert _code(lambda: people.invite(a.admin, a.org, role=R.WAREHOUSE, name="x",
                                       phone=new_phone())) == "role_not_allowed"
    assert _code(lambda: people.invite(a.staff, a.org, role=R.STAFF, name="x",
                                       phone=new_phone())) == "invite_forbidden"
    assert _code(lambda: people.invite(a.admin, a.org, role=R.STAFF, name="x",
                                       phone="12345")) == "invalid_phone"
    assert _code(lambda: people.invite(a.admin, a.org, role="operator", name="x",
                                       phone=new_phone())) == "role_not_allowed"
    assert Invitation.objects.count() == before
    wh_org, _ = make_warehouse_operator()
    assert _code(lambda: people.invite(operator(), wh_org, role=R.ADMIN, name="x",
                                       phone=new_phone())) == "role_not_allowed"


def test_wrong_phone_expired_reused_and_revoked_tokens_are_refused() -> None:
    a = make_brand()
    phone = new_phone()
    _inv, token = people.invite(a.admin, a.org, role=R.STAFF, name="赵六", phone=phone)
    stranger = make_buyer()
    assert _code(lambda: people.accept(stranger, token)) == "invitation_wrong_phone"
    assert not Membership.objects.filter(user=stranger).exists()
    assert not roles.has_role(stranger, roles.BRAND_STAFF)
    invitee = make_user(phone=phone)
    people.accept(invitee, token)
    assert _code(lambda: people.accept(invitee, token)) == "invitation_used"
    assert _code(lambda: people.accept(invitee, "not-a-token")) == "invitation_invalid"

    phone2 = new_phone()
    _inv2, token2 = people.invite(a.admin, a.org, role=R.STAFF, name="钱七", phone=phone2,
                                  days=3)
    clock.advance(dt.timedelta(days=3, seconds=1))
    late = make_user(phone=phone2)
    assert _code(lambda: people.accept(late, token2)) == "invitation_expired"
    assert not Membership.objects.filter(user=late).exists()

    inv3, token3 = people.invite(a.admin, a.org, role=R.STAFF, name="孙八", phone=phone2)
    people.revoke_invitation(a.admin, inv3.pk, a.org)
    assert _code(lambda: people.accept(late, token3)) == "invitation_invalid"


def test_deactivate_removes_role_unless_another_membership_needs_it() -> None:
    a, b = make_brand(), make_brand()
    m = Membership.objects.get(organization=a.org, user=a.staff)
    # brand B's admin cannot reach A's member
    assert _code(lambda: people.deactivate(b.admin, m.pk, b.org)) == "member_not_found"
    assert _code(lambda: people.deactivate(b.admin, m.pk)) == "invite_forbidden"
    people.deactivate(a.admin, m.pk, a.org)
    m.refresh_from_db()
    assert not m.active and not roles.has_role(a.staff, roles.BRAND_STAFF)
    assert not a.org.members.filter(pk=a.staff.pk).exists()
    # staff of two organizations keeps the role while one membership remains
    both = make_user(phone=new_phone())
    people.add_member(operator(), a.org, both, R.STAFF)
    people.add_member(operator(), b.org, both, R.STAFF)
    people.deactivate(a.admin, Membership.objects.get(organization=a.org, user=both).pk)
    assert roles.has_role(both, roles.BRAND_STAFF)
    own = Membership.objects.get(organization=a.org, user=a.admin)
    assert _code(lambda: people.deactivate(a.admin, own.pk)) == "cannot_remove_self"


def test_invitation_page_accepts_and_lands_in_the_console() -> None:
    a = make_brand()
    phone = new_phone()
    _inv, token = people.invite(a.admin, a.org, role=R.STAFF, name="周九", phone=phone)
    url = f"/brand/invite/{token}/"
    anon = Client().get(url)
    assert anon.status_code == 200 and "/login/?next=" in anon.content.decode()
    other = Client()
    other.force_login(make_buyer())
    refused = other.post(url)
    assert refused.status_code == 403
    invitee = make_user(phone=phone)
    c = Client()
    c.force_login(invitee)
    assert c.get(url).status_code == 200
    resp = c.post(url)
    assert resp.status_code == 302 and resp["Location"] == "/brand/"
    assert c.get("/brand/").status_code == 200
    assert Client().get("/brand/invite/nonsense/").status_code == 404


def test_team_page_invite_by_admin_and_refusals() -> None:
    a, b = make_brand(), make_brand()
    c = a.client()
    resp = c.post("/brand/team/invite/", {"name": "吴十", "phone": new_phone(),
                                          "role": R.STAFF})
    assert resp.status_code == 200 and "/brand/invite/" in resp.content.decode()
    assert Invitation.objects.filter(organization=a.org, name="吴十").exists()
    bad = c.post("/brand/team/invite/", {"name": "x", "phone": new_phone(),
                                         "role": R.WAREHOUSE})
    assert bad.status_code == 422
    staff = a.client(a.staff)
    assert staff.get("/brand/team/").status_code == 200
    assert staff.post("/brand/team/invite/", {"name": "y", "phone": new_phone(),
                                              "role": R.STAFF}).status_code == 403
    inv = Invitation.objects.get(organization=a.org, name="吴十")
    assert b.client().post(f"/brand/team/invitations/{inv.pk}/revoke/").status_code == 404
    inv.refresh_from_db()
    assert inv.revoked_at is None
    assert c.post(f"/brand/team/invitations/{inv.pk}/revoke/").status_code == 302
    inv.refresh_from_db()
    assert inv.revoked_at is not None


def test_ops_orgs_page_creates_invites_and_lists() -> None:
    c = Client()
    c.force_login(operator())
    resp = c.post("/ops/orgs/", {"kind": "warehouse", "name": "保税仓运营", "code": "bw-ops"})
    assert resp.status_code == 302
    org = Organization.objects.get(code="bw-ops")
    assert c.get("/ops/orgs/").status_code == 200
    page = c.post(f"/ops/orgs/{org.pk}/invite/", {"name": "郑一", "phone": new_phone(),
                                                  "role": R.WAREHOUSE})
    assert page.status_code == 200 and "/brand/invite/" in page.content.decode()
    assert c.post("/ops/orgs/", {"kind": "brand", "name": "x",
                                 "code": "bw-ops"}).status_code == 409
    brand = make_brand()
    bc = brand.client()
    assert bc.get("/ops/orgs/").status_code == 403
