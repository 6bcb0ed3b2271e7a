"""JS-SDK client (accounts/wechat_jssdk.py) against the in-process simulator
(web/sim/wechat_api.py): the §2.2 signature vectors, one cached token and ticket
for many requests, refresh on expiry and on 40001/42001, one refresh under
concurrency."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from shequn.accounts import wechat_jssdk as jssdk
from shequn.core import clock
from shequn.web.sim import wechat_api as sim

TICKET = ("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg")


@pytest.fixture(autouse=True)
def _sim():
    sim.reset()
    jssdk.set_transport(None)
    yield
    jssdk.set_transport(None)


def test_signature_matches_the_spec_vectors():
    assert jssdk.signature_base(TICKET, "Wm3WZYTPz0wzccnW", 1414587457,
                                "http://mp.weixin.qq.com?params=value") == (
        f"jsapi_ticket={TICKET}&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457"
        "&url=http://mp.weixin.qq.com?params=value")
    assert jssdk.sign(TICKET, "Wm3WZYTPz0wzccnW", 1414587457,
                      "http://mp.weixin.qq.com?params=value") == \
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    assert jssdk.sign(TICKET, "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com") == \
        "f4d90daf4b3bca3078ab155816175ba34c443a7b"


def test_the_fragment_is_not_signed():
    url = "http://mp.weixin.qq.com?params=value"
    assert jssdk.sign(TICKET, "Wm3WZYTPz0wzccnW", 1414587457, url + "#/section?x=1") == \
        jssdk.sign(TICKET, "Wm3WZYTPz0wzccnW", 1414587457, url)


def test_js_config_signs_with_the_live_ticket():
    cfg = jssdk.js_config("http://testserver/s/x/p/1/?sku=2")
    assert cfg.app_id == jssdk.config()["APPID"]
    assert len(cfg.nonce_str) == 16 and cfg.nonce_str.isalnum()
    assert cfg.js_api_list == ("updateAppMessageShareData", "updateTimelineShareData")
    assert sim.verify_config("http://testserver/s/x/p/1/?sku=2", cfg.signature, cfg.nonce_str,
                             cfg.timestamp) == "ok"
    assert sim.verify_config("http://testserver/s/x/p/1/", cfg.signature, cfg.nonce_str,
                             cfg.timestamp) == "invalid signature"
    assert sim.verify_config("http://evil.example/s/x/p/1/?sku=2", cfg.signature,
                             cfg.nonce_str, cfg.timestamp) == "invalid url domain"


def test_token_and_ticket_are_fetched_once_for_many_requests():
    tickets = {jssdk.get_jsapi_ticket() for _ in range(5)}
    assert len(tickets) == 1
    assert sim.calls("token") == 1
    assert sim.calls("getticket") == 1
    # Kept in the shared cache (Redis outside demo), not in this process's memory.
    assert cache.get(jssdk._cache_key("jsapi_ticket"))["value"] == tickets.pop()


def test_both_are_refreshed_before_they_expire():
    first = jssdk.get_jsapi_ticket()
    clock.advance(dt.timedelta(seconds=7200 - jssdk.SAFETY_MARGIN_SECONDS - 10))
    assert jssdk.get_jsapi_ticket() == first  # still inside the margin
    assert sim.calls("getticket") == 1
    clock.advance(dt.timedelta(seconds=20))  # past expires_in minus the margin
    second = jssdk.get_jsapi_ticket()
    assert sim.calls("token") == 2
    assert sim.calls("getticket") == 2
    assert sim.verify_config("http://testserver/", jssdk.sign(second, "n", 1, "http://testserver/"),
                             "n", 1) == "ok"


def test_40001_on_getticket_drops_the_token_and_retries_once():
    token = jssdk.get_access_token()
    sim.inject_fault("getticket", 40001)
    ticket = jssdk.get_jsapi_ticket()
    assert ticket
    assert sim.calls("token") == 2 and sim.calls("getticket") == 2
    assert jssdk.get_access_token() != token


def test_a_token_rotated_elsewhere_gets_42001_then_a_fresh_one():
    jssdk.get_access_token()
    # Another client of the same AppID fetches a token: ours works 5 more minutes.
    sim.token(_get("/_sim/wechat/cgi-bin/token", grant_type="client_credential",
                   appid=jssdk.config()["APPID"], secret=jssdk.config()["APPSECRET"]))
    clock.advance(dt.timedelta(seconds=sim.GRACE_SECONDS + 1))
    assert jssdk.get_jsapi_ticket()
    assert sim.calls("token") == 3 and sim.calls("getticket") == 2


def test_retry_happens_once_only():
    sim.inject_fault("getticket", 40001, times=2)
    with pytest.raises(jssdk.WechatApiError) as exc:
        jssdk.get_jsapi_ticket()
    assert exc.value.errcode == 40001
    assert sim.calls("getticket") == 2
    assert cache.get(jssdk._cache_key("jsapi_ticket")) is None
    clock.advance(dt.timedelta(seconds=jssdk.FAILURE_BACKOFF_SECONDS + 1))
    assert jssdk.get_jsapi_ticket()  # the fault is used up


def test_after_a_failure_wechat_is_left_alone_for_a_while():
    sim.inject_fault("token", -1)
    for _ in range(3):
        with pytest.raises(jssdk.WechatApiError):
            jssdk.get_jsapi_ticket()
    assert sim.calls("token") == 1 and sim.calls("getticket") == 0
    clock.advance(dt.timedelta(seconds=jssdk.FAILURE_BACKOFF_SECONDS + 1))
    assert jssdk.get_jsapi_ticket()
    assert sim.calls("token") == 2 and sim.calls("getticket") == 1


def test_other_errors_are_not_retried_and_nothing_is_cached():
    sim.inject_fault("getticket", 45009)
    with pytest.raises(jssdk.WechatApiError) as exc:
        jssdk.get_jsapi_ticket()
    assert exc.value.errcode == 45009
    assert sim.calls("getticket") == 1


def test_wrong_credentials_are_refused(monkeypatch):
    # The simulated WeChat side keeps the real registration.
    registered = (jssdk.config()["APPID"], jssdk.config()["APPSECRET"])
    monkeypatch.setattr(sim, "_app", lambda: registered)
    wechat = {**jssdk.config(), "APPSECRET": "wrong"}
    with override_settings(SHEQUN={**_shequn(), "WECHAT": wechat}):
        with pytest.raises(jssdk.WechatApiError) as exc:
            jssdk.get_access_token()
    assert exc.value.errcode == 40125
    wechat = {**jssdk.config(), "APPID": "wx0000000000000000"}
    with override_settings(SHEQUN={**_shequn(), "WECHAT": wechat}):
        with pytest.raises(jssdk.WechatApiError) as exc:
            jssdk.get_access_token()
    assert exc.value.errcode == 40013


def test_not_configured_is_an_error_not_a_call():
    with override_settings(SHEQUN={**_shequn(), "WECHAT": {}}):
        assert not jssdk.is_configured()
        with pytest.raises(jssdk.WechatApiError):
            jssdk.get_jsapi_ticket()
    assert sim.calls("token") == 0


def test_concurrent_cold_requests_refresh_once():
    slow_calls = []

    def slow(path, params):
        slow_calls.append(path)
        time.sleep(0.2)  # the refresh takes a while: everyone else arrives meanwhile
        return jssdk.default_transport(path, params)

    jssdk.set_transport(slow)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            results.append(jssdk.get_jsapi_ticket())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 8 and len(set(results)) == 1
    assert sim.calls("token") == 1 and sim.calls("getticket") == 1


def test_http_transport_for_a_real_base_url(monkeypatch):
    seen = {}

    class Resp:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def read(self):
            return b'{"access_token":"AT","expires_in":7200}'

    def fake_urlopen(req, timeout):
        seen["url"], seen["timeout"] = req.full_url, timeout
        return Resp()

    monkeypatch.setattr(jssdk.urllib.request, "urlopen", fake_urlopen)
    wechat = {**jssdk.config(), "API_BASE_URL": "https://api.weixin.qq.com/"}
    with override_settings(SHEQUN={**_shequn(), "WECHAT": wechat}):
        assert jssdk.get_access_token() == "AT"
    assert seen["url"].startswith("https://api.weixin.qq.com/cgi-bin/token?grant_type="
                                  "client_credential&appid=")
    assert seen["timeout"] == jssdk.HTTP_TIMEOUT_SECONDS


def test_fault_endpoint_needs_the_secret(client):
    url = "/_sim/wechat/faults"
    body = {"endpoint": "token", "errcode": -1, "secret": "nope"}
    resp = client.post(url, json.dumps(body), content_type="application/json")
    assert resp.status_code == 403
    body["secret"] = jssdk.config()["APPSECRET"]
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 200
    resp = client.get("/_sim/wechat/cgi-bin/token", {"grant_type": "client_credential"})
    assert resp.json()["errcode"] == -1
    assert client.post(url, json.dumps({"secret": body["secret"], "endpoint": "x"}),
                       content_type="application/json").status_code == 400


def test_simulator_answers_in_wechat_formats(client):
    cfg = jssdk.config()
    resp = client.get("/_sim/wechat/cgi-bin/token", {
        "grant_type": "client_credential", "appid": cfg["APPID"], "secret": cfg["APPSECRET"]})
    token = resp.json()
    assert set(token) == {"access_token", "expires_in"} and token["expires_in"] == 7200
    resp = client.get("/_sim/wechat/cgi-bin/ticket/getticket",
                      {"access_token": token["access_token"], "type": "jsapi"})
    ticket = resp.json()
    assert ticket["errcode"] == 0 and ticket["errmsg"] == "ok" and ticket["ticket"]
    bad = client.get("/_sim/wechat/cgi-bin/ticket/getticket",
                     {"access_token": "x", "type": "jsapi"}).json()
    assert bad["errcode"] == 40001 and "rid:" in bad["errmsg"]
    sim.expire_tickets()
    again = client.get("/_sim/wechat/cgi-bin/ticket/getticket",
                       {"access_token": token["access_token"], "type": "jsapi"}).json()
    assert again["ticket"] != ticket["ticket"]


def _shequn():
    from django.conf import settings

    return dict(settings.SHEQUN)


def _get(path, **params):
    from django.test import RequestFactory

    return RequestFactory().get(path, params)


@pytest.mark.django_db
def test_simulator_is_not_mounted_in_production(settings, client):
    import importlib

    from django.urls import clear_url_caches

    import shequn.urls
    import shequn.web.urls

    def reload(mounted: bool) -> None:
        settings.SHEQUN = {**settings.SHEQUN, "SIMULATORS_MOUNTED": mounted}
        importlib.reload(shequn.web.urls)
        importlib.reload(shequn.urls)
        clear_url_caches()

    settings.SHEQUN_ENV = "production"
    reload(False)
    try:
        for path in ("/_sim/wechat/cgi-bin/token", "/_sim/wechat/cgi-bin/ticket/getticket"):
            assert client.get(path).status_code == 404, path
    finally:
        reload(True)
