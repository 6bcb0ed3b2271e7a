"""Sign in with WeChat (decision 0009): the OAuth client against the simulator,
the callback refusing forged or replayed answers, openid linking, the `next`
URL, phone binding once, and an existing phone's account taking the identity."""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from shequn.accounts import wechat
from shequn.accounts.models import User, WeChatAccount
from shequn.accounts.sms import SimulatedSms
from shequn.accounts.wechat import SCOPE_BASE, SCOPE_USERINFO, WeChatOAuthClient
from shequn.checkout.models import Cart, CartLine
from shequn.core import clock
from shequn.core.errors import DomainError
from tests.builders import cart_with, leader_and_shop, make_buyable, make_buyer, phone

pytestmark = pytest.mark.django_db

UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
      "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI")
ORIGIN = "http://testserver"


def _client() -> WeChatOAuthClient:
    return wechat.client_from_settings(ORIGIN)


def _authorize(browser: Client, url: str, persona: str = "p1", consent: bool = True) -> str:
    """Open the authorize URL in the simulator; return the callback URL it sends to."""
    assert url.endswith("#wechat_redirect")
    parts = urlsplit(url.split("#")[0])
    path = f"{parts.path}?{parts.query}&persona={persona}"
    r = browser.get(path, HTTP_USER_AGENT=UA)
    if r.status_code == 200:  # snsapi_userinfo: the consent page
        r = browser.post(path, {"action": "allow" if consent else "deny",
                                "nickname": "测试昵称"}, HTTP_USER_AGENT=UA)
    assert r.status_code == 302, r.content[:300]
    return r["Location"]


def _code(callback: str) -> str:
    return parse_qs(urlsplit(callback).query)["code"][0]


# --------------------------------------------------------------------------- client + sim

def test_authorize_url_has_the_documented_shape():
    url = _client().authorize_url("https://shop.example/wechat/oauth/callback?a=1",
                                  SCOPE_BASE, "abc123")
    assert url == ("/_sim/wechat/connect/oauth2/authorize".join([ORIGIN, ""])
                   + "?appid=wx5348455155440de0"
                   "&redirect_uri=https%3A%2F%2Fshop.example%2Fwechat%2Foauth%2Fcallback%3Fa%3D1"
                   "&response_type=code&scope=snsapi_base&state=abc123#wechat_redirect")


def test_client_base_scope_against_the_simulator():
    c = _client()
    back = _authorize(Client(), c.authorize_url(f"{ORIGIN}/cb", SCOPE_BASE, "s1"))
    assert back.startswith(f"{ORIGIN}/cb?") and parse_qs(urlsplit(back).query)["state"] == ["s1"]
    token = c.exchange_code(_code(back))
    assert token.openid.startswith("o") and len(token.openid) == 28
    assert token.scope == SCOPE_BASE and token.unionid == "" and token.expires_in == 7200
    assert c.check_token(token) is True
    with pytest.raises(DomainError) as err:  # userinfo needs snsapi_userinfo
        c.user_info(token)
    assert err.value.code == "wechat_unauthorized_api"
    assert err.value.detail["errcode"] == 48001


def test_client_userinfo_scope_against_the_simulator():
    c = _client()
    back = _authorize(Client(), c.authorize_url(f"{ORIGIN}/cb", SCOPE_USERINFO, "s2"))
    token = c.exchange_code(_code(back))
    assert token.scope == SCOPE_USERINFO and token.unionid.startswith("o6_")
    info = c.user_info(token)
    assert info.nickname == "测试昵称" and info.openid == token.openid
    assert info.unionid == token.unionid and info.headimgurl.startswith("https://")


def test_declined_consent_returns_only_state():
    c = _client()
    back = _authorize(Client(), c.authorize_url(f"{ORIGIN}/cb", SCOPE_USERINFO, "s3"),
                      consent=False)
    assert parse_qs(urlsplit(back).query) == {"state": ["s3"]}


def test_codes_are_single_use_and_expire():
    c = _client()
    code = _code(_authorize(Client(), c.authorize_url(f"{ORIGIN}/cb", SCOPE_BASE, "s")))
    c.exchange_code(code)
    with pytest.raises(DomainError) as err:
        c.exchange_code(code)
    assert (err.value.code, err.value.detail["errcode"]) == ("wechat_code_used", 40163)
    with pytest.raises(DomainError) as err:
        c.exchange_code("no-such-code")
    assert (err.value.code, err.value.detail["errcode"]) == ("wechat_invalid_code", 40029)
    late = _code(_authorize(Client(), c.authorize_url(f"{ORIGIN}/cb", SCOPE_BASE, "s")))
    clock.advance(dt.timedelta(minutes=5, seconds=1))
    with pytest.raises(DomainError) as err:
        c.exchange_code(late)
    assert err.value.code == "wechat_code_expired"
    assert err.value.message_en and err.value.as_dict()["message"]


def test_wrong_secret_and_appid_are_refused(settings):
    code = _code(_authorize(Client(), _client().authorize_url(f"{ORIGIN}/cb", SCOPE_BASE, "s")))
    bad = WeChatOAuthClient("wx5348455155440de0", "wrong", oauth_base=ORIGIN,
                            api_base="/_sim/wechat")
    with pytest.raises(DomainError) as err:
        bad.exchange_code(code)
    assert err.value.code == "wechat_invalid_secret" and err.value.status == 502
    other = WeChatOAuthClient("wx1111111111111111", "x", oauth_base=ORIGIN,
                              api_base="/_sim/wechat")
    with pytest.raises(DomainError) as err:
        other.exchange_code(code)
    assert err.value.code == "wechat_invalid_appid"


def test_urllib_transport_over_http(live_server):
    """The real transport (urllib) against the simulator served over HTTP."""
    c = WeChatOAuthClient("wx5348455155440de0", "demo-wechat-appsecret-not-for-prod",
                          oauth_base=live_server.url + "/_sim/wechat",
                          api_base=live_server.url + "/_sim/wechat")
    back = _authorize(Client(), c.authorize_url("http://testserver/cb", SCOPE_USERINFO, "s"))
    token = c.exchange_code(_code(back))
    assert c.user_info(token).nickname == "测试昵称"
    with pytest.raises(DomainError) as err:
        c.exchange_code(_code(back))
    assert err.value.code == "wechat_code_used"


def test_errcodes_map_to_coded_errors():
    for errcode, code in [(40029, "wechat_invalid_code"), (40163, "wechat_code_used"),
                          (40125, "wechat_invalid_secret"), (40013, "wechat_invalid_appid"),
                          (-1, "wechat_busy"), (48001, "wechat_unauthorized_api"),
                          (12345, "wechat_error")]:
        err = wechat.error_for(errcode, "x, rid: 1")
        assert err.code == code and err.message_en and err.detail["errcode"] == errcode


def test_unreachable_wechat_is_a_clear_error(monkeypatch):
    def down(url: str) -> bytes:
        raise OSError("connection refused")

    monkeypatch.setattr(wechat, "default_transport", down)
    with pytest.raises(DomainError) as err:
        _client().exchange_code("abc")
    assert err.value.code == "wechat_unavailable" and err.value.status == 503


def test_authorize_page_checks_the_link():
    b = Client()
    ok = "/_sim/wechat/connect/oauth2/authorize?appid=wx5348455155440de0" \
         "&redirect_uri=http%3A%2F%2Ftestserver%2Fcb&response_type=code&scope=snsapi_base&state=x"
    assert b.get(ok, HTTP_USER_AGENT=UA).status_code == 302
    assert b.get(ok).status_code == 403  # outside WeChat
    assert b.get(ok.replace("testserver", "evil.example"), HTTP_USER_AGENT=UA).status_code == 400
    assert b.get(ok.replace("wx5348", "wx5349"), HTTP_USER_AGENT=UA).status_code == 400
    assert b.get(ok.replace("snsapi_base", "snsapi_login"), HTTP_USER_AGENT=UA).status_code == 400
    swapped = "/_sim/wechat/connect/oauth2/authorize?redirect_uri=http%3A%2F%2Ftestserver%2Fcb" \
              "&appid=wx5348455155440de0&response_type=code&scope=snsapi_base&state=x"
    assert b.get(swapped, HTTP_USER_AGENT=UA).status_code == 400


# --------------------------------------------------------------------------- sign-in flow

def _wechat_browser() -> Client:
    return Client(HTTP_USER_AGENT=UA)


def _sign_in(browser: Client, next_url: str = "/me/", persona: str = "p1",
             scope: str = "") -> tuple[str, str]:
    """Start → simulator → callback. Returns (callback URL, where the callback sent us)."""
    q = {"next": next_url, **({"scope": scope} if scope else {})}
    start = browser.get("/wechat/oauth/start", q)
    assert start.status_code == 302
    callback = _authorize(browser, start["Location"], persona=persona)
    cb = urlsplit(callback)
    r = browser.get(f"{cb.path}?{cb.query}")
    assert r.status_code == 302, r.content[:300]
    return f"{cb.path}?{cb.query}", r["Location"]


def test_store_page_in_wechat_signs_in_silently_and_links_openid():
    b = _wechat_browser()
    r = b.get("/me/")
    assert r.status_code == 302 and r["Location"].startswith("/wechat/oauth/start?next=%2Fme%2F")
    _cb, landed = _sign_in(b)
    assert landed == "/me/"
    acct = WeChatAccount.objects.get()
    assert acct.appid == "wx5348455155440de0" and acct.unionid == ""
    assert int(b.session["_auth_user_id"]) == acct.user_id
    assert b.session["wechat_openid"] == acct.openid
    assert not acct.user.phone_hash and not acct.user.has_usable_password()
    assert b.get("/me/").status_code == 200  # signed in: no more redirects

    # Idempotent: signing in again (another browser session, same WeChat user)
    # lands on the same account.
    b2 = _wechat_browser()
    _sign_in(b2)
    assert WeChatAccount.objects.count() == 1 and User.objects.count() == 1
    assert int(b2.session["_auth_user_id"]) == acct.user_id
    # Another WeChat user gets another account.
    _sign_in(_wechat_browser(), persona="p2")
    assert WeChatAccount.objects.count() == 2


def test_outside_wechat_nothing_changes():
    r = Client().get("/me/")
    assert not r.get("Location", "").startswith("/wechat/")
    r = Client().get("/cart/")
    assert r.status_code == 200


def test_userinfo_scope_path_stores_the_nickname():
    b = _wechat_browser()
    _sign_in(b)
    r = b.get("/wechat/profile/", {"next": "/me/"})
    assert r.status_code == 302 and "scope=userinfo" in r["Location"]
    _cb, landed = _sign_in(b, scope="userinfo")
    acct = WeChatAccount.objects.get()
    assert landed == "/me/" and acct.nickname == "测试昵称" and acct.unionid.startswith("o6_")
    assert acct.user.display_name == "测试昵称" and User.objects.count() == 1


def test_forged_and_replayed_callbacks_are_refused(caplog):
    b = _wechat_browser()
    start = b.get("/wechat/oauth/start", {"next": "/me/"})
    callback = urlsplit(_authorize(b, start["Location"]))
    code = parse_qs(callback.query)["code"][0]
    caplog.set_level(logging.WARNING, logger="shequn.web.wechat")

    # Missing state, a wrong state: 400, nothing created, a log line.
    for query in (f"code={code}", f"code={code}&state=forged"):
        r = b.get(f"/wechat/oauth/callback?{query}")
        assert r.status_code == 400 and b"wechat_state_mismatch" in r.content
    assert "state missing" in caplog.text and "state mismatch" in caplog.text
    assert not WeChatAccount.objects.exists() and "_auth_user_id" not in b.session

    # Another browser replaying this browser's callback: its session has no such state.
    thief = _wechat_browser()
    assert thief.get(f"{callback.path}?{callback.query}").status_code == 400
    assert not WeChatAccount.objects.exists()

    # The real one works once; replaying it is refused and changes nothing.
    assert b.get(f"{callback.path}?{callback.query}").status_code == 302
    assert WeChatAccount.objects.count() == 1
    caplog.clear()
    r = b.get(f"{callback.path}?{callback.query}")
    assert r.status_code == 400 and "state mismatch or reused" in caplog.text
    assert WeChatAccount.objects.count() == 1 and User.objects.count() == 1


def test_reused_code_with_a_fresh_state_is_refused():
    b = _wechat_browser()
    start = b.get("/wechat/oauth/start", {"next": "/me/"})
    callback = urlsplit(_authorize(b, start["Location"]))
    code = parse_qs(callback.query)["code"][0]
    wechat.client_from_settings(ORIGIN).exchange_code(code)  # someone used the code first
    r = b.get(f"{callback.path}?{callback.query}")
    assert r.status_code == 400 and b"wechat_code_used" in r.content
    assert not WeChatAccount.objects.exists() and "_auth_user_id" not in b.session


@pytest.mark.parametrize("evil", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil.example",
    "javascript:alert(1)", "evil.example/x",
])
def test_next_open_redirect_is_refused(evil):
    _cb, landed = _sign_in(_wechat_browser(), next_url=evil)
    assert landed == "/"


def test_share_link_survives_the_round_trip():
    from shequn.shops.tokens import make_share_token

    leader, shop = leader_and_shop()
    token = make_share_token(shop, channel="link")
    b = _wechat_browser()
    r = b.get(f"/t/{token}/")
    assert r.status_code == 302
    assert urlsplit(r["Location"]).path == "/wechat/oauth/start"
    assert parse_qs(urlsplit(r["Location"]).query)["next"] == [f"/t/{token}/"]
    _cb, landed = _sign_in(b, next_url=f"/t/{token}/")
    assert landed == f"/t/{token}/"
    r = b.get(landed)
    assert r.status_code == 302 and r["Location"] == f"/s/{shop.slug}/"
    cart = Cart.objects.get(user=WeChatAccount.objects.get().user)
    assert cart.leader_id == leader.pk and cart.shop_id == shop.pk


# --------------------------------------------------------------------------- phone

def _bind(b: Client, p: str, next_url: str = "/checkout/"):
    r = b.post("/login/code/", {"phone": p})
    assert r.status_code == 200
    return b.post("/bind-phone/", {"phone": p, "code": SimulatedSms.last_code(p),
                                   "next": next_url})


def test_checkout_asks_for_a_phone_once():
    b = _wechat_browser()
    _sign_in(b)
    r = b.get("/checkout/")
    assert r.status_code == 302 and r["Location"] == "/bind-phone/?next=/checkout/"
    assert b.post("/checkout/place/", {}).status_code == 302
    api = b.post("/api/v1/checkout/place", {"identity_id": 1, "address_id": 1,
                                            "cart_version": 0}, content_type="application/json")
    assert api.status_code == 403 and api.json()["code"] == "phone_required"
    assert api.json()["message_en"]

    assert b.get("/bind-phone/?next=/checkout/").status_code == 200
    r = _bind(b, phone(61))
    assert r.status_code == 302 and r["Location"] == "/checkout/"
    user = WeChatAccount.objects.get().user
    assert user.phone_masked == "139****0061" and user.phone_hash
    assert b.get("/checkout/").status_code == 200  # never asked again
    assert b.get("/bind-phone/").status_code == 302
    # Signing in with WeChat again: still the same account, with its phone.
    b2 = _wechat_browser()
    _sign_in(b2)
    assert b2.get("/checkout/").status_code == 200


def test_wrong_code_binds_nothing():
    b = _wechat_browser()
    _sign_in(b)
    b.post("/login/code/", {"phone": phone(62)})
    r = b.post("/bind-phone/", {"phone": phone(62), "code": "000000", "next": "/checkout/"})
    assert r.status_code == 422
    assert not WeChatAccount.objects.get().user.phone_hash


def test_existing_phone_account_takes_the_wechat_identity_and_cart():
    existing = make_buyer(phone=phone(63))
    sku_a, sku_b = make_buyable(), make_buyable()
    cart_with(existing, (sku_a, 2))  # an older cart of the phone's account
    b = _wechat_browser()
    _sign_in(b)
    wx_user = WeChatAccount.objects.get().user
    session_cart = Cart.objects.create(user=wx_user)
    CartLine.objects.create(cart=session_cart, sku=sku_b, qty=1, unit_price=sku_b.price)
    CartLine.objects.create(cart=session_cart, sku=sku_a, qty=1, unit_price=sku_a.price)
    s = b.session
    s["cart_id"] = str(session_cart.pk)
    s.save()

    r = _bind(b, phone(63))
    assert r.status_code == 302 and r["Location"] == "/checkout/"
    assert WeChatAccount.objects.get().user_id == existing.pk
    assert int(b.session["_auth_user_id"]) == existing.pk
    assert b.session["wechat_openid"] == WeChatAccount.objects.get().openid
    wx_user.refresh_from_db()
    assert not wx_user.is_active and not wx_user.phone_hash
    assert User.objects.filter(phone_hash=existing.phone_hash).count() == 1
    # The cart being shopped with is kept, with the other cart's lines merged in.
    session_cart.refresh_from_db()
    assert session_cart.user_id == existing.pk
    lines = {ln.sku_id: ln.qty for ln in session_cart.lines.all()}
    assert lines == {sku_a.pk: 2, sku_b.pk: 1}
    assert not CartLine.objects.exclude(cart=session_cart).exists()
    assert b.get("/checkout/").status_code == 200
    # The next WeChat sign-in lands on the phone's account directly.
    b2 = _wechat_browser()
    _sign_in(b2)
    assert int(b2.session["_auth_user_id"]) == existing.pk


# --------------------------------------------------------------------------- faults

def _callback_with(b: Client) -> str:
    start = b.get("/wechat/oauth/start", {"next": "/me/"})
    cb = urlsplit(_authorize(b, start["Location"]))
    return f"{cb.path}?{cb.query}"


@pytest.mark.parametrize("errcode,code,status", [
    (-1, "wechat_busy", 503), (45009, "wechat_quota", 503),
    (40125, "wechat_invalid_secret", 502), (48001, "wechat_unauthorized_api", 502),
])
def test_wechat_errors_on_the_callback_change_nothing(errcode, code, status):
    from shequn.web.sim import wechat_oauth as sim

    b = _wechat_browser()
    callback = _callback_with(b)
    sim.inject_fault("access_token", errcode)
    r = b.get(callback)
    assert r.status_code == status and code.encode() in r.content
    assert not WeChatAccount.objects.exists() and "_auth_user_id" not in b.session


def test_a_snapshot_page_user_gets_no_account():
    from shequn.web.sim import wechat_oauth as sim

    b = _wechat_browser()
    callback = _callback_with(b)
    sim.inject_fault("access_token", sim.SNAPSHOT)
    r = b.get(callback)
    assert r.status_code == 403 and b"wechat_snapshot_user" in r.content
    assert not WeChatAccount.objects.exists() and not User.objects.exists()
    # No automatic sign-in loop afterwards in this session.
    assert b.get("/me/").get("Location", "").startswith("/wechat/") is False


def test_faults_endpoint_needs_the_secret():
    c = Client()
    body = {"endpoint": "userinfo", "errcode": 40001}
    r = c.post("/_sim/wechat/sns/faults", {**body, "secret": "nope"},
               content_type="application/json")
    assert r.status_code == 403
    r = c.post("/_sim/wechat/sns/faults",
               {**body, "secret": "demo-wechat-appsecret-not-for-prod"},
               content_type="application/json")
    assert r.status_code == 200
    client = _client()
    token = client.exchange_code(_code(_authorize(
        Client(), client.authorize_url(f"{ORIGIN}/cb", SCOPE_USERINFO, "s"))))
    with pytest.raises(DomainError) as err:
        client.user_info(token)
    assert err.value.code == "wechat_invalid_token"
    assert client.user_info(token).nickname == "测试昵称"  # the fault was used up
