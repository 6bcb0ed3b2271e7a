from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shequn.accounts.models import User
from shequn.accounts.sms import SimulatedSms
from shequn.checkout.models import Cart
from shequn.core import clock
from tests.builders import make_user, phone

pytestmark = pytest.mark.django_db


def _otp(client: Client, p: str) -> str:
    r = client.post("/api/v1/auth/otp/request", {"phone": p}, content_type="application/json")
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["sent"] is True
    assert body["demo_code"] == SimulatedSms.last_code(p)
    return body["demo_code"]


def test_api_request_verify_me():
    c = Client()
    assert c.get("/api/v1/auth/me").status_code == 401
    p = phone(21)
    code = _otp(c, p)
    r = c.post("/api/v1/auth/otp/verify", {"phone": p, "code": code},
               content_type="application/json")
    assert r.status_code == 200, r.content
    user = User.objects.get(phone_hash=User.objects.get(pk=r.json()["user_id"]).phone_hash)
    assert r.json() == {"user_id": user.pk, "phone": "139****0021"}
    me = c.get("/api/v1/auth/me").json()
    assert me["user_id"] == user.pk and me["phone"] == "139****0021" and me["roles"] == []
    assert p not in c.get("/api/v1/auth/me").content.decode()


def test_api_no_demo_code_with_a_real_provider(settings, monkeypatch):
    from shequn.accounts import sms

    sent: list[tuple[str, str]] = []

    class Fake:
        def send(self, phone: str, text: str) -> None:
            sent.append((phone, text))

    monkeypatch.setitem(sms._PROVIDERS, "fake", Fake)
    settings.SHEQUN = {**settings.SHEQUN, "SMS_PROVIDER": "fake"}
    r = Client().post("/api/v1/auth/otp/request", {"phone": phone(22)},
                      content_type="application/json")
    assert r.status_code == 202
    assert r.json()["demo_code"] is None
    assert len(sent) == 1 and sent[0][0] == phone(22)


def test_api_errors_are_coded():
    c = Client()
    r = c.post("/api/v1/auth/otp/request", {"phone": "123"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "invalid_phone"
    _otp(c, phone(23))
    r = c.post("/api/v1/auth/otp/request", {"phone": phone(23)}, content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert r.json()["message"] and r.json()["message_en"]
    r = c.post("/api/v1/auth/otp/verify", {"phone": phone(23), "code": "abc"},
               content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "code_invalid"


def test_api_verify_refuses_cross_site_post():
    c = Client(enforce_csrf_checks=True)
    p = phone(24)
    code = _otp(c, p)
    r = c.post("/api/v1/auth/otp/verify", {"phone": p, "code": code},
               content_type="application/json")
    assert r.status_code == 403
    assert c.get("/api/v1/auth/me").status_code == 401


def test_login_page_sends_code_and_shows_demo_code():
    c = Client()
    r = c.get("/login/?next=/cart/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "获取验证码" in html and "登录" in html
    r = c.post("/login/code/", {"phone": phone(25)}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    code = SimulatedSms.last_code(phone(25))
    assert f"演示短信验证码（模拟器）：{code}" in r.content.decode()


def test_login_page_shows_error_for_bad_phone():
    r = Client().post("/login/code/", {"phone": "12"}, headers={"HX-Request": "true"})
    assert "手机号格式不正确" in r.content.decode()


def test_login_keeps_session_cart_and_redirects_to_next():
    c = Client()
    s = c.session
    cart_id = str(Cart.objects.create().pk)
    s["cart_id"] = cart_id
    s.save()
    old_key = s.session_key
    p = phone(26)
    c.post("/login/code/", {"phone": p})
    r = c.post("/login/", {"mode": "phone", "phone": p, "code": SimulatedSms.last_code(p),
                           "next": "/cart/"})
    assert r.status_code == 302 and r["Location"] == "/cart/"
    assert c.session.session_key != old_key  # key cycled against fixation
    assert c.session["cart_id"] == cart_id
    assert int(c.session["_auth_user_id"]) == User.objects.get(username__startswith="p_").pk


def test_login_as_another_user_keeps_cart_even_though_session_is_flushed():
    c = Client()
    staff = make_user("staff1", password="pw-Correct-horse-9")
    c.force_login(staff)
    s = c.session
    cart_id = str(Cart.objects.create().pk)
    s["cart_id"] = cart_id
    s.save()
    p = phone(27)
    c.post("/login/code/", {"phone": p})
    c.post("/login/", {"mode": "phone", "phone": p, "code": SimulatedSms.last_code(p)})
    assert int(c.session["_auth_user_id"]) != staff.pk
    assert c.session["cart_id"] == cart_id


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "javascript:alert(1)"])
def test_login_refuses_offsite_next(target):
    c = Client()
    p = phone(28)
    c.post("/login/code/", {"phone": p})
    r = c.post("/login/", {"phone": p, "code": SimulatedSms.last_code(p), "next": target})
    assert r.status_code == 302 and r["Location"] == "/"


def test_wrong_code_on_page_shows_error():
    c = Client()
    p = phone(29)
    c.post("/login/code/", {"phone": p})
    code = SimulatedSms.last_code(p)
    r = c.post("/login/", {"phone": p, "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert r.status_code == 422
    assert "验证码不正确" in r.content.decode()
    assert "_auth_user_id" not in c.session


def test_staff_password_sign_in_and_lockout():
    make_user("leader1", password="pw-Correct-horse-9")
    c = Client()
    r = c.post("/login/", {"mode": "password", "username": "leader1", "password": "nope"})
    assert r.status_code == 422 and "用户名或密码不正确" in r.content.decode()
    r = c.post("/login/", {"mode": "password", "username": "leader1",
                           "password": "pw-Correct-horse-9", "next": "/leader/"})
    assert r.status_code == 302 and r["Location"] == "/leader/"

    c2 = Client()
    for _ in range(10):
        c2.post("/login/", {"mode": "password", "username": "leader1", "password": "x"})
    r = c2.post("/login/", {"mode": "password", "username": "leader1",
                            "password": "pw-Correct-horse-9"})
    assert r.status_code == 429 and "_auth_user_id" not in c2.session
    clock.advance(dt.timedelta(hours=2))
    r = c2.post("/login/", {"mode": "password", "username": "leader1",
                            "password": "pw-Correct-horse-9"})
    assert r.status_code == 302


def test_logout_is_post_only():
    c = Client()
    c.force_login(make_user())
    assert c.get("/logout/").status_code == 405
    assert c.post("/logout/").status_code == 302
    assert "_auth_user_id" not in c.session


def test_staff_tab_renders_password_form():
    html = Client().get("/login/?mode=password&next=/ops/").content.decode()
    assert 'name="password"' in html and 'value="/ops/"' in html
    assert 'name="code"' not in html
