"""Staff sign-in without a ``next`` lands each role on its console (issue 9):
operator → /ops/, leader → /leader/, other staff → the admin, buyer → the store.
An explicit ``next`` still wins."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.accounts import roles
from shequn.accounts.sms import SimulatedSms
from tests.builders import make_user, phone

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Correct-horse-9"


def _sign_in(username: str, **extra: str) -> str:
    c = Client()
    r = c.post("/login/", {"mode": "password", "username": username, "password": PASSWORD,
                           **extra})
    assert r.status_code == 302, r.content.decode()[:300]
    return r["Location"]


@pytest.mark.parametrize(("role", "landing"), [(roles.OPERATOR, "/ops/"),
                                               (roles.LEADER, "/leader/")])
def test_each_role_lands_on_its_console(role: str, landing: str) -> None:
    roles.ensure_groups()
    user = make_user(f"staff-{role}", password=PASSWORD)
    roles.grant(user, role)
    assert _sign_in(user.username) == landing


def test_an_operator_who_is_also_a_leader_lands_on_ops() -> None:
    roles.ensure_groups()
    user = make_user("both", password=PASSWORD)
    roles.grant(user, roles.LEADER)
    roles.grant(user, roles.OPERATOR)
    assert _sign_in(user.username) == "/ops/"


def test_staff_without_a_console_role_land_in_the_admin() -> None:
    user = make_user("admin-only", password=PASSWORD)
    user.is_staff = True
    user.save()
    assert _sign_in(user.username) == "/admin/"


def test_an_explicit_next_wins() -> None:
    roles.ensure_groups()
    user = make_user("leader-next", password=PASSWORD)
    roles.grant(user, roles.LEADER)
    assert _sign_in(user.username, next="/orders/") == "/orders/"


def test_a_buyer_lands_on_the_store() -> None:
    c = Client()
    p = phone(61)
    c.post("/login/code/", {"phone": p})
    r = c.post("/login/", {"phone": p, "code": SimulatedSms.last_code(p)})
    assert r.status_code == 302 and r["Location"] == "/"


def test_the_sign_in_form_carries_no_default_next() -> None:
    html = Client().get("/login/?mode=password").content.decode()
    assert 'name="next" value=""' in html
