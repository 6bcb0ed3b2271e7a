"""WeChat Pay as the payment provider, against the in-process simulator, with
demo keys made once per session and the retry schedule compressed."""

from __future__ import annotations

import pytest

from shequn.payments.wechatpay import config

FAST_SCHEDULE = [10, 10, 20, 30]  # seconds; tests move the clock


@pytest.fixture(scope="session")
def wx_var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("wxvar")


@pytest.fixture
def wxpay(settings, wx_var_dir):
    settings.VAR_DIR = wx_var_dir
    settings.SHEQUN = {
        **settings.SHEQUN, "PAYMENT_PROVIDER": "wechatpay",
        "WECHATPAY": {"BASE_URL": "demo", "NOTIFY_BASE": "http://testserver"},
        "WECHATPAY_SIM": {"RETRY_SCHEDULE": FAST_SCHEDULE, "SIGN_WITH": "certificate"},
        "SIMULATORS_MOUNTED": True}
    config.reset_cache()
    yield config.get_config()
    config.reset_cache()
