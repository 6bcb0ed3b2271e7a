"""Environments for the mode tests: a complete staging env made by
``shequn secrets generate``'s own function, with real key files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shequn.core import envconfig

ROOT = Path(__file__).resolve().parents[2]


def staging_env(tmp: Path) -> dict[str, str]:
    key, cert = tmp / "ceb.key", tmp / "ceb.crt"
    key.write_text("key")
    cert.write_text("cert")
    env: dict[str, str] = {}
    for line in envconfig.generate("staging", str(key), str(cert)).splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    # Tests switch this env to production, where printed QR codes must be https.
    env["SHEQUN_VERIFY_BASE_URL"] = "https://verify.staging.example.com"
    # ... and where the WeChat simulator is refused: WeChat's own hosts (the default).
    # The generated staging values are checked in test_wechat_config.py.
    env.pop("SHEQUN_WECHAT_OAUTH_BASE_URL", None)
    env.pop("SHEQUN_WECHAT_API_BASE_URL", None)
    return env


def run_manage(args: list[str], env: dict[str, str], tmp: Path) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` in a clean environment (only PATH and ``env``)."""
    full = {"PATH": os.environ.get("PATH", ""), "SHEQUN_VAR_DIR": str(tmp / "var"), **env}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=full,
                          capture_output=True, text=True, timeout=120, cwd=tmp)


def wechatpay_env(tmp: Path) -> dict[str, str]:
    """A complete SHEQUN_WECHATPAY_* configuration with real key files."""
    from shequn.payments.wechatpay import crypto

    key = crypto.new_keypair()
    (tmp / "apiclient_key.pem").write_bytes(crypto.private_pem(key))
    (tmp / "platform_cert.pem").write_bytes(
        crypto.cert_pem(crypto.self_signed_cert(crypto.new_keypair(), "platform")))
    return {"SHEQUN_PAYMENT_PROVIDER": "wechatpay", "SHEQUN_WECHATPAY_MCHID": "1900009191",
            "SHEQUN_WECHATPAY_APPID": "wxd678efh567hg6787",
            "SHEQUN_WECHATPAY_MERCHANT_KEY": str(tmp / "apiclient_key.pem"),
            "SHEQUN_WECHATPAY_MERCHANT_SERIAL": "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            "SHEQUN_WECHATPAY_APIV3_KEY": "k3Jd8sLq0Wm2Zx7Vb5Nc4Rt6Yh1Ug9Pe",
            "SHEQUN_WECHATPAY_PLATFORM_CERT": str(tmp / "platform_cert.pem"),
            "SHEQUN_WECHATPAY_NOTIFY_BASE": "https://shop.example.com",
            # The customs declaration (支付单报关) WeChat-paid orders need to clear.
            "SHEQUN_WECHATPAY_CUSTOMS": "ZHENGZHOU_BS",
            "SHEQUN_WECHATPAY_MCH_CUSTOMS_NO": "4101960SQP",
            "SHEQUN_WECHATPAY_V2_KEY": "Kq7mVb9TzR4nLpX2wYc8dF3gH5jN6sA1"}


def shared_wechatpay_env() -> dict[str, str]:
    """wechatpay_env with key files made once per test session."""
    global _WX_DIR
    if _WX_DIR is None:
        import tempfile

        _WX_DIR = Path(tempfile.mkdtemp(prefix="shequn-wxpay-env-"))
        _WX_ENV.update(wechatpay_env(_WX_DIR))
    return dict(_WX_ENV)


_WX_DIR: Path | None = None
_WX_ENV: dict[str, str] = {}
