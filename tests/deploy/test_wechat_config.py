"""The WeChat Official Account settings (decision 0009): demo needs nothing and
talks to the in-process simulator; staging and production need a real AppID and
AppSecret; the simulator is refused in production (ARCHITECTURE §5)."""

from __future__ import annotations

import pytest

from shequn.core import envconfig
from tests.deploy.envs import staging_env
from tests.deploy.test_envconfig import _real_adapters

WECHAT_URLS = ("SHEQUN_WECHAT_OAUTH_BASE_URL", "SHEQUN_WECHAT_API_BASE_URL")


@pytest.fixture
def env(tmp_path):
    return staging_env(tmp_path)


def _real_production(env):
    """Production with every adapter real (test_envconfig's), WeChat on its own hosts."""
    _real_adapters(env)
    for name in WECHAT_URLS:
        env.pop(name, None)
    return env


def test_demo_needs_nothing_and_uses_the_simulator(settings):
    assert envconfig.problems({}) == []
    conf = settings.SHEQUN["WECHAT"]
    assert conf["APPID"] == envconfig.DEMO_WECHAT_APPID
    assert conf["APPSECRET"] == envconfig.DEMO_WECHAT_APPSECRET
    assert conf["OAUTH_BASE_URL"] == conf["API_BASE_URL"] == "/_sim/wechat"


def test_generated_staging_env_uses_a_test_account_on_the_simulator():
    text = envconfig.generate("staging", __file__, __file__)
    env = dict(line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    assert envconfig.problems(env) == []
    assert env["SHEQUN_WECHAT_APPID"].startswith("wx") and len(env["SHEQUN_WECHAT_APPID"]) == 18
    assert all(env[name] == "/_sim/wechat" for name in WECHAT_URLS)
    env["SHEQUN_ENV"] = "production"
    found = envconfig.problems(env)
    assert all(any(p.startswith(n) and "simulator" in p for p in found) for n in WECHAT_URLS)


@pytest.mark.parametrize("mode", ["staging", "production"])
@pytest.mark.parametrize("name,value,words", [
    ("SHEQUN_WECHAT_APPID", None, "missing"),
    ("SHEQUN_WECHAT_APPID", envconfig.DEMO_WECHAT_APPID, "demo value"),
    ("SHEQUN_WECHAT_APPID", "CHANGE-ME", "placeholder"),
    ("SHEQUN_WECHAT_APPID", "wx123", "not an AppID"),
    ("SHEQUN_WECHAT_APPSECRET", None, "missing"),
    ("SHEQUN_WECHAT_APPSECRET", envconfig.DEMO_WECHAT_APPSECRET, "demo value"),
    ("SHEQUN_WECHAT_APPSECRET", "short1234", "too short"),
])
def test_appid_and_secret_are_required_outside_demo(env, mode, name, value, words):
    if mode == "production":
        _real_production(env)
        assert envconfig.problems(env) == []
    if value is None:
        del env[name]
    else:
        env[name] = value
    found = envconfig.problems(env)
    assert len(found) == 1 and found[0].startswith(name) and words in found[0], found


def test_production_refuses_the_simulator_and_plain_http(env):
    _real_production(env)
    assert envconfig.problems(env) == []  # unset: WeChat's own hosts
    env["SHEQUN_WECHAT_OAUTH_BASE_URL"] = "/_sim/wechat"
    env["SHEQUN_WECHAT_API_BASE_URL"] = "https://shop.example/_sim/wechat"
    found = envconfig.problems(env)
    assert len(found) == 2 and all("simulator" in p for p in found), found
    env["SHEQUN_WECHAT_OAUTH_BASE_URL"] = "https://open.weixin.qq.com"
    env["SHEQUN_WECHAT_API_BASE_URL"] = "http://api.weixin.qq.com"
    found = envconfig.problems(env)
    assert found == ["SHEQUN_WECHAT_API_BASE_URL: must be https in production"]


def test_staging_accepts_the_simulator_or_real_hosts_but_not_garbage(env):
    env["SHEQUN_WECHAT_OAUTH_BASE_URL"] = "https://open.weixin.qq.com"
    env["SHEQUN_WECHAT_API_BASE_URL"] = "http://127.0.0.1:8000/_sim/wechat"
    assert envconfig.problems(env) == []
    env["SHEQUN_WECHAT_API_BASE_URL"] = "ftp://x"
    assert envconfig.problems(env)[0].startswith("SHEQUN_WECHAT_API_BASE_URL")


def test_generated_production_env_leaves_wechat_to_the_operator():
    text = envconfig.generate("production", "/etc/k", "/etc/c")
    assert "SHEQUN_WECHAT_APPID=CHANGE-ME" in text and "SHEQUN_WECHAT_APPSECRET=CHANGE-ME" in text
    env = dict(line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    found = envconfig.problems(env)
    assert any(p.startswith("SHEQUN_WECHAT_APPID") and "placeholder" in p for p in found)
    assert any(p.startswith("SHEQUN_WECHAT_APPSECRET") and "placeholder" in p for p in found)


AUTHORIZE = ("/_sim/wechat/connect/oauth2/authorize?appid=wx5348455155440de0"
             "&redirect_uri=http%3A%2F%2Ftestserver%2Fcb&response_type=code"
             "&scope=snsapi_base&state=x")
UA = "Mozilla/5.0 MicroMessenger/8.0.49"


@pytest.mark.django_db
def test_staging_authorize_page_is_for_staff_and_production_mounts_nothing(settings):
    from django.test import Client

    from tests.builders import make_user
    from tests.deploy.test_staging_pages import _reload_urls

    settings.SHEQUN_ENV = "staging"
    assert Client().get(AUTHORIZE, HTTP_USER_AGENT=UA)["Location"].startswith("/login/")
    buyer = Client()
    buyer.force_login(make_user())
    assert buyer.get(AUTHORIZE, HTTP_USER_AGENT=UA).status_code == 403
    staff = Client()
    staff.force_login(make_user(is_staff=True))
    assert staff.get(AUTHORIZE, HTTP_USER_AGENT=UA).status_code == 302
    # The server-to-server endpoints answer by AppSecret, not by session.
    assert Client().get("/_sim/wechat/sns/auth?access_token=x&openid=y").json()["errcode"] == 40001

    settings.SHEQUN_ENV = "production"
    _reload_urls(settings, False)
    try:
        assert staff.get(AUTHORIZE, HTTP_USER_AGENT=UA).status_code == 404
        assert Client().get("/_sim/wechat/sns/auth").status_code == 404
    finally:
        _reload_urls(settings, True)
