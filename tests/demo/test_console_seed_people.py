"""Demo people: two brand admin logins and a warehouse staff login, printed as
such; the `brand` login is Sakura Beauty's admin; running twice changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.accounts import roles
from shequn.brands.models import Membership
from shequn.demo import seed_people
from shequn.demo import seeding as demo

pytestmark = pytest.mark.django_db


def test_seed_people_logins_land_in_their_console() -> None:
    data = demo.seed()
    said: list[str] = []
    seed_people.seed(data, said.append)
    seed_people.seed(data, lambda _m: None)  # idempotent
    brand_lines = [s for s in said if s.startswith("品牌登录 Brand login")]
    assert any("Koala Dairy: koala-admin / koala-demo-2026" in s for s in brand_lines)
    assert any("Sakura Beauty: brand / " in s for s in brand_lines)
    assert any(s.startswith("仓库登录 Warehouse login") for s in said)
    assert Membership.objects.filter(user=data.brand_user, role="brand_admin",
                                     organization=data.brands["sakura"]).count() == 1
    assert roles.has_role(data.brand_user, roles.BRAND_ADMIN)
    for username, password, home in (("koala-admin", "koala-demo-2026", "/brand/"),
                                     (demo.BRAND_LOGIN[0], demo.BRAND_LOGIN[1], "/brand/"),
                                     ("warehouse", "warehouse-demo-2026", "/warehouse/")):
        c = Client()
        resp = c.post("/login/", {"mode": "password", "username": username,
                                  "password": password})
        assert resp.status_code == 302 and resp["Location"] == home, username
    c = Client()
    c.post("/login/", {"mode": "password", "username": "koala-admin",
                       "password": "koala-demo-2026"})
    html = c.get("/brand/").content.decode()
    assert data.brands["koala"].name in html and data.brands["sakura"].name not in html
    assert data.brands["koala"].code == "koala"
