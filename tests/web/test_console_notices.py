"""Notices in every console: each person sees only their own, marks them read;
the frames show the unread count."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.translation import gettext_noop

from shequn.core import notices
from shequn.core.models import Notice
from tests.builders import make_leader
from tests.builders.console import make_brand, make_warehouse_operator, operator

pytestmark = pytest.mark.django_db
MSG = gettext_noop("{name} accepted the invitation to {organization}")


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_brand_notices_only_own_and_mark_read() -> None:
    a, b = make_brand(), make_brand()
    notices.notify([a.admin], "test", MSG, "/brand/team/", name="甲某", organization="甲")
    notices.notify([b.admin], "test", MSG, "", name="乙某", organization="乙")
    c = a.client()
    html = c.get("/brand/notices/").content.decode()
    assert "甲某" in html and "乙某" not in html
    assert 'data-testid="notice-count">1<' in html
    mine = Notice.objects.get(user=a.admin)
    theirs = Notice.objects.get(user=b.admin)
    # marking another person's notice changes nothing
    c.post("/brand/notices/", {"notice": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    resp = c.post("/brand/notices/", {"notice": str(mine.pk), "go": "/brand/team/"})
    assert resp.status_code == 302 and resp["Location"] == "/brand/team/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'data-testid="notice-count"' not in c.get("/brand/notices/").content.decode()
    # an outside link is never followed
    notices.notify([a.admin], "test", MSG, "", name="x", organization="y")
    bad = c.post("/brand/notices/", {"notice": "all", "go": "//evil.example/"})
    assert bad["Location"] == "/brand/notices/"
    assert notices.unread_count(a.admin) == 0


@pytest.mark.parametrize("console", ["leader", "ops", "warehouse"])
def test_every_console_has_its_notices_page(console: str) -> None:
    if console == "leader":
        user = make_leader().user
    elif console == "ops":
        user = operator()
    else:
        user = make_warehouse_operator()[1]
    other = operator() if console != "ops" else make_brand().admin
    notices.notify([user], "test", MSG, "", name="自己的", organization="O")
    notices.notify([other], "test", MSG, "", name="别人的", organization="O")
    c = _client(user)
    html = c.get(f"/{console}/notices/").content.decode()
    assert "自己的" in html and "别人的" not in html
    assert 'data-testid="notice-count">1<' in html
    c.post(f"/{console}/notices/", {"notice": "all"})
    assert notices.unread_count(user) == 0 and notices.unread_count(other) == 1


def test_buyer_cannot_open_console_notices() -> None:
    from tests.builders import make_buyer

    c = _client(make_buyer())
    for console in ("brand", "leader", "ops", "warehouse"):
        assert c.get(f"/{console}/notices/").status_code == 403, console


@pytest.mark.parametrize("raw", ["²", "١٢", "9" * 30])
def test_an_odd_notice_number_marks_nothing_and_is_not_a_500(raw: str) -> None:
    """"²" passed str.isdigit() and int() raised ValueError (a 500); a 30-digit
    number overflowed SQLite's INTEGER (OverflowError, a 500 in the demo)."""
    user = make_leader().user
    notices.notify([user], "test", MSG, "", name="自己的", organization="O")
    resp = _client(user).post("/leader/notices/", {"notice": raw})
    assert resp.status_code == 302
    assert notices.unread_count(user) == 1
