"""Staging/production checks of the WeChat Pay customs declaration settings
(SHEQUN_WECHATPAY_CUSTOMS*, _V2_KEY; core.envconfig.wechatpay_customs_problems)."""

from __future__ import annotations

import pytest

from shequn.core import envconfig

from .envs import staging_env
from .test_envconfig import WECHATPAY_CUSTOMS_ENV


@pytest.fixture
def env(tmp_path):
    return {**staging_env(tmp_path), **WECHATPAY_CUSTOMS_ENV}


def test_complete_wechatpay_customs_settings_pass(env):
    assert envconfig.problems(env) == []
    env["SHEQUN_ENV"] = "production"
    assert not any("WECHATPAY" in p for p in envconfig.problems(env))


def test_nothing_is_asked_without_wechat_pay(tmp_path):
    assert not any("WECHATPAY" in p for p in envconfig.problems(staging_env(tmp_path)))


def test_demo_needs_nothing():
    assert envconfig.problems({"SHEQUN_ENV": "demo", "SHEQUN_PAYMENT_PROVIDER": "wechatpay"}) \
        == []


def test_wechat_pay_provider_alone_asks_for_everything(tmp_path):
    env = {**staging_env(tmp_path), "SHEQUN_PAYMENT_PROVIDER": "wechatpay"}
    found = envconfig.problems(env)
    for name in WECHATPAY_CUSTOMS_ENV:
        assert any(p.startswith(f"{name}: missing") for p in found), (name, found)


@pytest.mark.parametrize("name,value,words", [
    ("SHEQUN_WECHATPAY_CUSTOMS", "BEIJING", "not a WeChat Pay customs code"),
    ("SHEQUN_WECHATPAY_CUSTOMS", "NO", "not a WeChat Pay customs code"),
    ("SHEQUN_WECHATPAY_MCH_CUSTOMS_NO", "CHANGE-ME", "missing"),
    ("SHEQUN_WECHATPAY_MCH_CUSTOMS_NO", "4101 960", "letters and digits"),
    ("SHEQUN_WECHATPAY_V2_KEY", "", "missing"),
    ("SHEQUN_WECHATPAY_V2_KEY", envconfig.DEMO_WECHATPAY_V2_KEY, "demo value"),
    ("SHEQUN_WECHATPAY_V2_KEY", "Kq7mVb9TzR4nLpX2wYc8dF3gH5jN6sA1extra", "32 characters"),
    ("SHEQUN_WECHATPAY_V2_SIGN_TYPE", "SHA1", "MD5 or HMAC-SHA256"),
    ("SHEQUN_WECHATPAY_CUSTOMS_URL", "ftp://api.mch.weixin.qq.com", "scheme"),
    ("SHEQUN_WECHATPAY_CUSTOMS_POLL_SECONDS", "1", "10 to 3600"),
    ("SHEQUN_WECHATPAY_CUSTOMS_POLL_SECONDS", "soon", "10 to 3600"),
])
def test_each_bad_value_is_named(env, name, value, words):
    env[name] = value
    found = envconfig.problems(env)
    assert len(found) == 1 and found[0].startswith(name) and words in found[0], found


def test_v2_key_must_not_be_the_apiv3_key(env):
    env["SHEQUN_WECHATPAY_APIV3_KEY"] = env["SHEQUN_WECHATPAY_V2_KEY"]
    assert any("APIv3" in p for p in envconfig.problems(env))


def test_production_needs_https_and_no_simulator(env):
    env["SHEQUN_ENV"] = "production"
    env["SHEQUN_WECHATPAY_CUSTOMS_URL"] = "http://api.mch.weixin.qq.com"
    assert any(p.startswith("SHEQUN_WECHATPAY_CUSTOMS_URL") and "scheme" in p
               for p in envconfig.problems(env))
    for simulated in ("embedded", "https://staging.example.com/sim/wxpay"):
        env["SHEQUN_WECHATPAY_CUSTOMS_URL"] = simulated
        assert any(p.startswith("SHEQUN_WECHATPAY_CUSTOMS_URL") and "simulator" in p
                   for p in envconfig.problems(env)), simulated


def test_staging_may_use_the_simulator(env):
    for simulated in ("embedded", "http://127.0.0.1:8000/sim/wxpay"):
        env["SHEQUN_WECHATPAY_CUSTOMS_URL"] = simulated
        assert envconfig.problems(env) == []
