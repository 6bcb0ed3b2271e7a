"""The merchant's WeChat Pay configuration (settings.SHEQUN["WECHATPAY"], from the
SHEQUN_WECHATPAY_* environment variables) with its keys loaded.

``base_url`` "demo" is the in-process simulator. With it, key material left
unconfigured is generated on first use into ``VAR_DIR/wechatpay-demo/`` (the
merchant key, the simulator's platform key and certificate, its public key
``PUB_KEY_ID_…`` and an APIv3 key): nothing secret is committed, and the
simulator (sim/keys.py) reads the same files, so both sides agree across
processes. Generation is atomic (a directory renamed into place).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from shequn.payments.wechatpay import crypto

DEMO = "demo"
DEMO_DIR_NAME = "wechatpay-demo"


@dataclass(frozen=True)
class Config:
    mchid: str
    appid: str
    merchant_key: rsa.RSAPrivateKey
    merchant_serial: str
    apiv3_key: str
    verifier: crypto.Verifier
    public_key_id: str  # "" in platform-certificate mode
    base_url: str
    notify_base: str

    @property
    def in_process(self) -> bool:
        return self.base_url == DEMO

    def notify_url(self, path: str) -> str:
        return self.notify_base.rstrip("/") + path


def demo_dir() -> Path:
    return Path(settings.VAR_DIR) / DEMO_DIR_NAME


def demo_material(target: Path | None = None) -> dict[str, Any]:
    """The demo key files (made once, then read): paths and identifiers."""
    target = target or demo_dir()
    if not (target / "material.json").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".wxpay-", dir=target.parent))
        merchant, platform, pubkey = (crypto.new_keypair() for _ in range(3))
        merchant_cert = crypto.self_signed_cert(merchant, "1900000109 demo merchant")
        platform_cert = crypto.self_signed_cert(platform, "Tenpay.com demo platform")
        (tmp / "apiclient_key.pem").write_bytes(crypto.private_pem(merchant))
        (tmp / "platform_key.pem").write_bytes(crypto.private_pem(platform))
        (tmp / "platform_cert.pem").write_bytes(crypto.cert_pem(platform_cert))
        (tmp / "pub_key_private.pem").write_bytes(crypto.private_pem(pubkey))
        (tmp / "pub_key.pem").write_bytes(crypto.public_pem(pubkey.public_key()))
        (tmp / "material.json").write_text(json.dumps({
            "mchid": "1900000109", "appid": "wxd0000000demo0001",
            "merchant_serial": crypto.cert_serial(merchant_cert),
            "platform_serial": crypto.cert_serial(platform_cert),
            "public_key_id": "PUB_KEY_ID_0119000001092026" + secrets.token_hex(5).upper(),
            "apiv3_key": secrets.token_hex(16)}))
        for path in tmp.iterdir():
            os.chmod(path, 0o600)
        try:
            tmp.rename(target)
        except OSError:  # another process made them first: use theirs
            shutil.rmtree(tmp, ignore_errors=True)
    data: dict[str, Any] = json.loads((target / "material.json").read_text())
    data["dir"] = target
    return data


def material_env(data: dict[str, Any]) -> str:
    """SHEQUN_WECHATPAY_* lines pointing a merchant at the simulator's material
    (staging: BASE_URL is then the /wxpaysim of a staging host)."""
    d = Path(data["dir"])
    return "\n".join([
        f"SHEQUN_WECHATPAY_MCHID={data['mchid']}", f"SHEQUN_WECHATPAY_APPID={data['appid']}",
        f"SHEQUN_WECHATPAY_MERCHANT_KEY={d / 'apiclient_key.pem'}",
        f"SHEQUN_WECHATPAY_MERCHANT_SERIAL={data['merchant_serial']}",
        f"SHEQUN_WECHATPAY_APIV3_KEY={data['apiv3_key']}",
        f"SHEQUN_WECHATPAY_PLATFORM_CERT={d / 'platform_cert.pem'}",
        f"SHEQUN_WECHATPAY_PUBLIC_KEY={d / 'pub_key.pem'}",
        f"SHEQUN_WECHATPAY_PUBLIC_KEY_ID={data['public_key_id']}"]) + "\n"


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


_cache: dict[str, Config] = {}


def get_config() -> Config:
    raw: dict[str, str] = dict(settings.SHEQUN.get("WECHATPAY") or {})
    key = json.dumps(raw, sort_keys=True) + str(settings.VAR_DIR)
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = _load(raw)
    return found


def _load(raw: dict[str, str]) -> Config:
    base_url = (raw.get("BASE_URL") or DEMO).rstrip("/")
    demo: dict[str, Any] = demo_material() if base_url == DEMO else {}
    d = demo.get("dir")
    merchant_key_path = raw.get("MERCHANT_KEY") or (str(d / "apiclient_key.pem") if d else "")
    platform_cert_path = raw.get("PLATFORM_CERT") or (
        str(d / "platform_cert.pem") if d else "")
    public_key_path = raw.get("PUBLIC_KEY") or (str(d / "pub_key.pem") if d else "")
    public_key_id = raw.get("PUBLIC_KEY_ID") or demo.get("public_key_id", "")
    verifier = crypto.Verifier()
    if platform_cert_path:
        verifier.add_pem(_read(platform_cert_path))
    if public_key_path and public_key_id:
        verifier.add_pem(_read(public_key_path), public_key_id)
    if not verifier.keys:
        raise RuntimeError("WeChat Pay: neither a platform certificate nor a public key "
                           "is configured (SHEQUN_WECHATPAY_PLATFORM_CERT / _PUBLIC_KEY)")
    return Config(
        mchid=raw.get("MCHID") or demo.get("mchid", ""),
        # JSAPI needs the openid of this appid: the official account's (OAuth) by default.
        appid=(raw.get("APPID") or (settings.SHEQUN.get("WECHAT") or {}).get("APPID")
               or demo.get("appid", "")),
        merchant_key=crypto.load_private_key(_read(merchant_key_path)),
        merchant_serial=(raw.get("MERCHANT_SERIAL") or demo.get("merchant_serial", "")).upper(),
        apiv3_key=raw.get("APIV3_KEY") or demo.get("apiv3_key", ""),
        verifier=verifier,
        # Public-key mode when only the public key is configured (new merchants).
        public_key_id=public_key_id if not raw.get("PLATFORM_CERT") and raw.get(
            "PUBLIC_KEY") else "",
        base_url=base_url,
        notify_base=raw.get("NOTIFY_BASE") or "http://127.0.0.1:8000",
    )


def reset_cache() -> None:
    _cache.clear()
