from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.http import HttpResponse
from django.test import RequestFactory

from shequn.accounts import roles
from shequn.core.errors import DomainError
from tests.builders import make_user

pytestmark = pytest.mark.django_db


def test_ensure_groups_and_grant():
    roles.ensure_groups()
    assert set(Group.objects.values_list("name", flat=True)) >= {"leader", "brand_staff",
                                                                 "operator"}
    u = make_user()
    assert not roles.has_role(u, roles.LEADER)
    roles.grant(u, roles.LEADER)
    assert roles.has_role(u, roles.LEADER)
    assert not roles.has_role(u, roles.OPERATOR)
    with pytest.raises(DomainError) as ei:
        roles.grant(u, "superhero")
    assert ei.value.code == "unknown_role"


def test_require_role():
    u = make_user(role_names=(roles.BRAND_STAFF,))
    roles.require_role(u, roles.BRAND_STAFF)
    with pytest.raises(DomainError) as ei:
        roles.require_role(u, roles.OPERATOR)
    assert ei.value.code == "forbidden" and ei.value.status == 403
    with pytest.raises(DomainError):
        roles.require_role(AnonymousUser(), roles.LEADER)
    inactive = make_user(role_names=(roles.LEADER,), is_active=False)
    with pytest.raises(DomainError):
        roles.require_role(inactive, roles.LEADER)


def test_superuser_counts_as_operator():
    assert roles.has_role(make_user(is_superuser=True), roles.OPERATOR)


@roles.role_required(roles.LEADER)
def _leader_view(request):
    return HttpResponse("ok")


def test_role_required_decorator():
    rf = RequestFactory()
    req = rf.get("/leader/x/?a=1")
    req.user = AnonymousUser()
    r = _leader_view(req)
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")
    assert r["Location"] == "/login/?next=/leader/x/%3Fa%3D1"

    req = rf.get("/leader/x/")
    req.user = make_user()
    req.session = {}  # the page's base template reads the session (cart badge)
    r = _leader_view(req)
    assert r.status_code == 403 and "无权访问" in r.content.decode()

    req = rf.get("/leader/x/", HTTP_ACCEPT="application/json")
    req.user = make_user()
    r = _leader_view(req)
    assert r.status_code == 403 and b'"forbidden"' in r.content

    req = rf.get("/leader/x/")
    req.user = make_user(role_names=(roles.LEADER,))
    assert _leader_view(req).content == b"ok"
