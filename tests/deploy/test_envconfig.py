"""Each refusal of a staging/production configuration, and that a generated
env file passes (shequn.core.envconfig)."""

from __future__ import annotations

import base64

import pytest

from shequn.core import envconfig

from .envs import shared_wechatpay_env, staging_env, wechatpay_env


@pytest.fixture
def env(tmp_path):
    return staging_env(tmp_path)


def test_demo_needs_nothing():
    assert envconfig.problems({}) == []
    assert envconfig.problems({"SHEQUN_ENV": "demo"}) == []


def test_generated_staging_env_passes(env):
    assert envconfig.problems(env) == []
    assert envconfig.check(env) == "staging"


def test_unknown_mode_is_refused():
    assert envconfig.problems({"SHEQUN_ENV": "prod"}) == [
        "SHEQUN_ENV: 'prod' is not one of demo, staging, production"]


REQUIRED = ["SHEQUN_SECRET_KEY", "SHEQUN_PII_KEY", "SHEQUN_ALLOWED_HOSTS", "DATABASE_URL",
            "REDIS_URL", "BROKER_URL", "SHEQUN_CUSTOMS_RECEIPT_TOKEN",
            "SHEQUN_CARRIER_PUSH_TOKEN", "SHEQUN_CEB_KEY_FILE",
            "SHEQUN_CEB_CERT_FILE", "SHEQUN_PAYMENT_SECRET", "SHEQUN_VERIFY_BASE_URL",
            "SHEQUN_PRIVACY_CONTACT"]


@pytest.mark.parametrize("mode", ["staging", "production"])
@pytest.mark.parametrize("name", REQUIRED)
def test_each_missing_variable_is_named(env, mode, name):
    env["SHEQUN_ENV"] = mode
    del env[name]
    found = envconfig.problems(env)
    assert any(line.startswith(f"{name}: missing") for line in found), found


@pytest.mark.parametrize("name,demo", [
    ("SHEQUN_SECRET_KEY", envconfig.DEMO_SECRET_KEY),
    ("SHEQUN_PII_KEY", envconfig.DEMO_PII_KEY),
    ("SHEQUN_PAYMENT_SECRET", envconfig.DEMO_PAYMENT_SECRET),
    ("SHEQUN_CUSTOMS_RECEIPT_TOKEN", envconfig.DEMO_CUSTOMS_RECEIPT_TOKEN),
    ("SHEQUN_CARRIER_PUSH_TOKEN", envconfig.DEMO_CARRIER_PUSH_TOKEN),
])
def test_demo_values_are_refused(env, name, demo):
    env[name] = demo
    found = envconfig.problems(env)
    assert len(found) == 1 and found[0].startswith(name) and "demo value" in found[0], found


@pytest.mark.parametrize("name,value,words", [
    ("SHEQUN_SECRET_KEY", "x" * 49, "too short"),
    ("SHEQUN_SECRET_KEY", "ab" * 40, "distinct"),
    ("SHEQUN_PAYMENT_SECRET", "s3cret-but-short", "too short"),
    ("SHEQUN_CUSTOMS_RECEIPT_TOKEN", "CHANGE-ME" * 5, "placeholder"),
    ("SHEQUN_METRICS_TOKEN", "short", "too short"),
    ("SHEQUN_PII_KEY", base64.urlsafe_b64encode(b"k" * 16).decode(), "needs exactly 32"),
    ("SHEQUN_PII_KEY", "not base64!!", "base64"),
    ("SHEQUN_ALLOWED_HOSTS", "*", "any Host"),
    ("SHEQUN_ALLOWED_HOSTS", " , ", "missing"),
    ("DATABASE_URL", "sqlite:///var/x.sqlite3", "scheme"),
    ("REDIS_URL", "memcached://127.0.0.1", "scheme"),
    ("BROKER_URL", "redis://127.0.0.1:6379/1", "scheme"),
    ("SHEQUN_CEB_KEY_FILE", "/nonexistent/key.pem", "no such file"),
    ("SHEQUN_DEBUG", "1", "DEBUG cannot be on"),
])
def test_weak_values_are_refused(env, name, value, words):
    env[name] = value
    found = envconfig.problems(env)
    assert len(found) == 1 and found[0].startswith(name) and words in found[0], found


def test_production_names_every_simulated_port(env):
    env["SHEQUN_ENV"] = "production"
    env["SHEQUN_CUSTOMS_GATEWAY"] = "embedded"
    found = envconfig.problems(env)
    for var in ("SHEQUN_SMS_PROVIDER", "SHEQUN_PAYMENT_PROVIDER", "SHEQUN_CUSTOMS_GATEWAY",
                "SHEQUN_PAYOUT_PROVIDER", "SHEQUN_CARRIER_PROVIDER"):
        assert any(p.startswith(var) and "simulator" in p for p in found), (var, found)
    # Unset ports default to the simulators, and so are refused too.
    for var in ("SHEQUN_SMS_PROVIDER", "SHEQUN_CARRIER_PROVIDER"):
        del env[var]
    assert sum("simulator" in p for p in envconfig.problems(env)) == 5


def test_staging_banner_counts_real_adapters_pointed_at_stand_ins(env):
    # The 模拟环境 banner (settings.SHEQUN["SIMULATED_PORTS"]) also shows for
    # WeChat Pay, WeChat sign-in and Alibaba Cloud SMS pointed at their fakes.
    real = {**env, "SHEQUN_SMS_PROVIDER": "aliyun", "SHEQUN_PAYMENT_PROVIDER": "wechatpay",
            "SHEQUN_PAYOUT_PROVIDER": "wechat", "SHEQUN_CARRIER_PROVIDER": "sf",
            "SHEQUN_CUSTOMS_GATEWAY": "http://customs.example/ceb"}
    real.pop("SHEQUN_WECHATPAY_CUSTOMS_URL", None)
    assert envconfig.simulated_services(real) == []
    faked = {**real, "SHEQUN_WECHATPAY_BASE_URL": "http://staging.example/wxpaysim",
             "SHEQUN_WECHAT_OAUTH_BASE_URL": "http://staging.example/_sim/wechat",
             "SHEQUN_ALIYUN_SMS_ENDPOINT": "http://127.0.0.1:8025/"}
    assert envconfig.simulated_services(faked) == ["WeChat Pay", "WeChat sign-in",
                                                   "SMS (Alibaba Cloud)"]
    assert envconfig.simulated_services(
        {**real, "SHEQUN_ALIYUN_SMS_ENDPOINT": "https://dysmsapi.aliyuncs.com/"}) == []
    # The WeChat Pay simulator counts only while WeChat Pay is the payment port.
    assert "WeChat Pay" not in envconfig.simulated_services(
        {**faked, "SHEQUN_PAYMENT_PROVIDER": "simulator"})


# Its customs declaration (支付单报关), which WeChat Pay needs too.
WECHATPAY_CUSTOMS_ENV = {
    "SHEQUN_WECHATPAY_CUSTOMS": "ZHENGZHOU_BS", "SHEQUN_WECHATPAY_MCH_CUSTOMS_NO": "4101960SQP",
    "SHEQUN_WECHATPAY_V2_KEY": "Kq7mVb9TzR4nLpX2wYc8dF3gH5jN6sA1"}


# The Alibaba Cloud SMS account a real SMS port needs (SHEQUN_SMS_PROVIDER=aliyun).
ALIYUN = {"SHEQUN_ALIYUN_SMS_ACCESS_KEY_ID": "LTAI5tExampleKeyId0001",
          "SHEQUN_ALIYUN_SMS_ACCESS_KEY_SECRET": "ExampleSecretExampleSecret0001",
          "SHEQUN_ALIYUN_SMS_SIGN_NAME": "社群", "SHEQUN_ALIYUN_SMS_TEMPLATE_CODE": "SMS_123456789"}


def test_production_with_real_adapters_passes(env, tmp_path):
    env.update(ALIYUN)
    env.update(wechatpay_env(tmp_path))
    env.update(SHEQUN_ENV="production", SHEQUN_SMS_PROVIDER="aliyun",
               SHEQUN_PAYMENT_PROVIDER="wechatpay", SHEQUN_PAYOUT_PROVIDER="bank.Payout",
               SHEQUN_CARRIER_PROVIDER="sf", SHEQUN_CUSTOMS_GATEWAY="https://ceb.example/ceb")
    del env["SHEQUN_PAYMENT_SECRET"]  # the simulator's secret; a real provider has its own
    env.update(SHEQUN_SF_PARTNER_ID="HZSQWMS", SHEQUN_SF_MONTHLY_CARD="5712345678",
               SHEQUN_SF_CHECK_WORD="x7Kq2mVb9TzR4nLp")
    # WeChat Pay: its customs declaration (支付单报关) is configured too.
    env.update(WECHATPAY_CUSTOMS_ENV)
    assert envconfig.problems(env) == []


@pytest.mark.parametrize("name,value,words", [
    ("SHEQUN_SF_CHECK_WORD", None, "missing"),
    ("SHEQUN_SF_CHECK_WORD", envconfig.DEMO_SF_CHECK_WORD, "demo value"),
    ("SHEQUN_SF_PARTNER_ID", None, "missing"),
    ("SHEQUN_SF_MONTHLY_CARD", "", "missing"),
])
def test_the_sf_carrier_needs_its_own_account(env, name, value, words, tmp_path):
    env.update(ALIYUN)
    env.update(wechatpay_env(tmp_path))
    env.update(SHEQUN_ENV="production", SHEQUN_SMS_PROVIDER="aliyun",
               SHEQUN_PAYMENT_PROVIDER="wechatpay", SHEQUN_PAYOUT_PROVIDER="bank.Payout",
               SHEQUN_CARRIER_PROVIDER="sf", SHEQUN_CUSTOMS_GATEWAY="https://ceb.example/ceb",
               SHEQUN_SF_PARTNER_ID="HZSQWMS", SHEQUN_SF_MONTHLY_CARD="5712345678",
               SHEQUN_SF_CHECK_WORD="x7Kq2mVb9TzR4nLp")
    env.update(WECHATPAY_CUSTOMS_ENV)
    del env["SHEQUN_PAYMENT_SECRET"]
    if value is None:
        del env[name]
    else:
        env[name] = value
    found = envconfig.problems(env)
    assert len(found) == 1 and found[0].startswith(name) and words in found[0], found


def test_generated_production_env_is_refused_until_filled(tmp_path):
    env = {}
    for line in envconfig.generate("production", "/etc/k", "/etc/c").splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            env[k] = v
    found = envconfig.problems(env)
    assert any("SHEQUN_ALLOWED_HOSTS" in p and "placeholder" in p for p in found)
    assert any(p.startswith("DATABASE_URL") and "placeholder" in p for p in found)
    # The privacy notice's contact is the operator's to give.
    assert any(p.startswith("SHEQUN_PRIVACY_CONTACT") and "placeholder" in p for p in found)
    # Fresh random secrets are not among the problems.
    assert not any(p.startswith(("SHEQUN_SECRET_KEY", "SHEQUN_PII_KEY")) for p in found)


def test_each_generation_is_fresh(tmp_path):
    a, b = staging_env(tmp_path), staging_env(tmp_path)
    for name in ("SHEQUN_SECRET_KEY", "SHEQUN_PII_KEY", "SHEQUN_PAYMENT_SECRET",
                 "SHEQUN_CUSTOMS_RECEIPT_TOKEN", "SHEQUN_METRICS_TOKEN"):
        assert a[name] != b[name]
    assert len(base64.urlsafe_b64decode(a["SHEQUN_PII_KEY"])) == 32


def test_generated_tokens_never_read_as_command_line_options():
    # A token starting with "-" made `shequn customs-sim --callback-token $TOKEN`
    # fail to parse about once in 64 draws.
    from shequn.core import envconfig

    tokens = [envconfig._token(32) for _ in range(2000)]
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == len(tokens) and all(len(t) >= 40 for t in tokens)


def test_generated_verify_address_is_local_in_staging_and_a_placeholder_in_production():
    # Staging's generated file runs as it is (its host names are this machine's,
    # like SHEQUN_ALLOWED_HOSTS), with a note to set the public address before
    # labels are printed; production's is the operator's to fill in and refused
    # until then.
    staging = envconfig.generate("staging", "/etc/k", "/etc/c").splitlines()
    production = envconfig.generate("production", "/etc/k", "/etc/c").splitlines()
    assert "SHEQUN_VERIFY_BASE_URL=http://127.0.0.1:8000" in staging
    assert "SHEQUN_ALLOWED_HOSTS=127.0.0.1,localhost" in staging
    note = staging.index("SHEQUN_VERIFY_BASE_URL=http://127.0.0.1:8000") - 3
    assert "public https address before printing labels" in " ".join(staging[note:note + 3])
    assert f"SHEQUN_VERIFY_BASE_URL=https://{envconfig.PLACEHOLDER}.example.com" in production
    assert not any("before printing labels" in line for line in production)
    found = envconfig.problems(dict(line.partition("=")[::2] for line in production
                                    if line and not line.startswith("#")))
    assert any(p.startswith("SHEQUN_VERIFY_BASE_URL") and "placeholder" in p for p in found)


def test_production_prints_codes_with_https_only(env):
    env["SHEQUN_ENV"] = "production"
    env["SHEQUN_VERIFY_BASE_URL"] = "http://verify.example.com"
    found = envconfig.problems(env)
    assert any(line.startswith("SHEQUN_VERIFY_BASE_URL: scheme 'http'") for line in found), found


def _real_adapters(env: dict[str, str]) -> dict[str, str]:
    env.update(ALIYUN)
    env.update(shared_wechatpay_env())
    env.update(WECHATPAY_CUSTOMS_ENV)
    env.update(SHEQUN_ENV="production", SHEQUN_SMS_PROVIDER="aliyun",
               SHEQUN_PAYMENT_PROVIDER="wechatpay", SHEQUN_PAYOUT_PROVIDER="bank.Payout",
               SHEQUN_CARRIER_PROVIDER="sf", SHEQUN_CUSTOMS_GATEWAY="https://ceb.example/ceb",
               SHEQUN_SF_PARTNER_ID="HZSQWMS", SHEQUN_SF_MONTHLY_CARD="5712345678",
               SHEQUN_SF_CHECK_WORD="x7Kq2mVb9TzR4nLp")
    del env["SHEQUN_PAYMENT_SECRET"]
    return env


def test_production_refuses_the_sms_simulator_by_name(env):
    _real_adapters(env)["SHEQUN_SMS_PROVIDER"] = "simulator"
    assert envconfig.problems(env) == [
        "SHEQUN_SMS_PROVIDER: the SMS port is configured to a simulator ('simulator'); "
        "production uses real adapters only"]


@pytest.mark.parametrize("mode", ["staging", "production"])
def test_aliyun_sms_lists_every_missing_value(env, mode):
    _real_adapters(env)["SHEQUN_ENV"] = mode
    for name in ALIYUN:
        del env[name]
    found = envconfig.problems(env)
    assert found == [f"{name}: missing (SHEQUN_SMS_PROVIDER=aliyun needs the {what})"
                     for name, what in envconfig.ALIYUN_SMS_REQUIRED.items()], found


@pytest.mark.parametrize("name", list(ALIYUN))
def test_aliyun_sms_names_the_one_value_missing_or_placeholder(env, name):
    _real_adapters(env)
    del env[name]
    found = envconfig.problems(env)
    assert len(found) == 1 and found[0].startswith(f"{name}: missing"), found
    env[name] = envconfig.PLACEHOLDER
    found = envconfig.problems(env)
    assert len(found) == 1 and found[0] == f"{name}: still the placeholder CHANGE-ME", found


def test_aliyun_sms_endpoint_is_https_in_production_and_may_be_the_fake_in_staging(env):
    _real_adapters(env)["SHEQUN_ALIYUN_SMS_ENDPOINT"] = "http://127.0.0.1:8025/"
    found = envconfig.problems(env)
    assert found == ["SHEQUN_ALIYUN_SMS_ENDPOINT: scheme 'http' is not one of https"], found
    env["SHEQUN_ENV"] = "staging"
    assert envconfig.problems(env) == []
    env["SHEQUN_ALIYUN_SMS_ENDPOINT"] = "https://dysmsapi.aliyuncs.com/"
    env["SHEQUN_ENV"] = "production"
    assert envconfig.problems(env) == []


def test_an_unknown_sms_provider_is_refused(env):
    env["SHEQUN_SMS_PROVIDER"] = "tencnet"
    assert envconfig.problems(env) == [
        "SHEQUN_SMS_PROVIDER: 'tencnet' is not one of simulator, aliyun"]


def test_staging_may_use_aliyun_sms_against_the_fake(env):
    env.update(ALIYUN, SHEQUN_SMS_PROVIDER="aliyun",
               SHEQUN_ALIYUN_SMS_ENDPOINT="http://127.0.0.1:8025/")
    assert envconfig.problems(env) == []


def test_generated_production_env_asks_for_the_aliyun_sms_account():
    text = envconfig.generate("production", "/etc/k", "/etc/c")
    env = dict(line.split("=", 1) for line in text.splitlines()
               if line and not line.startswith("#"))
    for name in envconfig.ALIYUN_SMS_REQUIRED:
        assert env[name] == envconfig.PLACEHOLDER
    found = envconfig.problems(env)
    assert "SHEQUN_SMS_PROVIDER: still the placeholder CHANGE-ME" in found
    env["SHEQUN_SMS_PROVIDER"] = "aliyun"
    found = envconfig.problems(env)
    for name in envconfig.ALIYUN_SMS_REQUIRED:
        assert f"{name}: still the placeholder CHANGE-ME" in found, found


# ------------------------------------------------------------ WeChat Pay


@pytest.mark.parametrize("mode", ["staging", "production"])
def test_wechatpay_complete_configuration_passes(env, tmp_path, mode):
    env.update(wechatpay_env(tmp_path), SHEQUN_ENV=mode)
    if mode == "production":
        env.update(ALIYUN)
        env.update(SHEQUN_SMS_PROVIDER="aliyun", SHEQUN_PAYOUT_PROVIDER="bank.Payout",
                   SHEQUN_CARRIER_PROVIDER="sf", SHEQUN_CUSTOMS_GATEWAY="https://ceb.example/ceb",
                   SHEQUN_SF_PARTNER_ID="HZSQWMS", SHEQUN_SF_MONTHLY_CARD="5712345678",
                   SHEQUN_SF_CHECK_WORD="x7Kq2mVb9TzR4nLp")
    del env["SHEQUN_PAYMENT_SECRET"]
    assert envconfig.problems(env) == []


@pytest.mark.parametrize("name,value,words", [
    ("SHEQUN_WECHATPAY_MCHID", None, "MCHID"),
    ("SHEQUN_WECHATPAY_APPID", "abc", "AppID"),
    ("SHEQUN_WECHATPAY_MERCHANT_KEY", "/nonexistent.pem", "no such file"),
    ("SHEQUN_WECHATPAY_MERCHANT_SERIAL", "not-hex", "serial"),
    ("SHEQUN_WECHATPAY_APIV3_KEY", "short", "32-character"),
    ("SHEQUN_WECHATPAY_APIV3_KEY", "a" * 32, "distinct"),
    ("SHEQUN_WECHATPAY_PLATFORM_CERT", None, "missing"),
    ("SHEQUN_WECHATPAY_NOTIFY_BASE", None, "missing"),
    ("SHEQUN_WECHATPAY_NOTIFY_BASE", "http://shop.example.com", "scheme"),
    ("SHEQUN_WECHATPAY_BASE_URL", "https://wxpaysim.staging.example.com/wxpaysim",
     "production talks to"),
    ("SHEQUN_WECHATPAY_BASE_URL", "demo", "production talks to"),
])
def test_wechatpay_each_problem_is_named_in_production(env, tmp_path, name, value, words):
    env.update(ALIYUN)
    env.update(wechatpay_env(tmp_path), SHEQUN_ENV="production", SHEQUN_SMS_PROVIDER="aliyun",
               SHEQUN_PAYOUT_PROVIDER="bank.Payout", SHEQUN_CARRIER_PROVIDER="sf",
               SHEQUN_CUSTOMS_GATEWAY="https://ceb.example/ceb", SHEQUN_SF_PARTNER_ID="HZSQWMS",
               SHEQUN_SF_MONTHLY_CARD="5712345678", SHEQUN_SF_CHECK_WORD="x7Kq2mVb9TzR4nLp")
    del env["SHEQUN_PAYMENT_SECRET"]
    if value is None:
        del env[name]
    else:
        env[name] = value
    found = envconfig.problems(env)
    assert len(found) == 1 and words in found[0], found


def test_wechatpay_public_key_mode_needs_its_id(env, tmp_path):
    env.update(wechatpay_env(tmp_path), SHEQUN_ENV="staging")
    env["SHEQUN_WECHATPAY_PUBLIC_KEY"] = env.pop("SHEQUN_WECHATPAY_PLATFORM_CERT")
    found = envconfig.problems(env)
    assert len(found) == 1 and "PUBLIC_KEY_ID" in found[0], found
    env["SHEQUN_WECHATPAY_PUBLIC_KEY_ID"] = "PUB_KEY_ID_0119000001092026"
    assert envconfig.problems(env) == []


def test_wechatpay_staging_may_use_the_simulator_over_http_but_not_in_process(env, tmp_path):
    env.update(wechatpay_env(tmp_path), SHEQUN_ENV="staging",
               SHEQUN_WECHATPAY_BASE_URL="http://127.0.0.1:8000/wxpaysim",
               SHEQUN_WECHATPAY_NOTIFY_BASE="http://127.0.0.1:8000")
    assert envconfig.problems(env) == []
    env["SHEQUN_WECHATPAY_BASE_URL"] = "demo"
    assert any("demo only" in p for p in envconfig.problems(env))
