"""The simulator's own keys: the platform certificate's key and the WeChat Pay
public key (PUB_KEY_ID_…), from the demo material (config.demo_material)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from shequn.payments.wechatpay.config import demo_material
from shequn.payments.wechatpay.crypto import load_private_key


@dataclass(frozen=True)
class SimKeys:
    platform_key: rsa.RSAPrivateKey
    platform_serial: str
    public_key: rsa.RSAPrivateKey
    public_key_id: str


def keys() -> SimKeys:
    m = demo_material()
    return _load(str(m["dir"]), m["platform_serial"], m["public_key_id"])


@functools.lru_cache(maxsize=4)
def _load(directory: str, platform_serial: str, public_key_id: str) -> SimKeys:
    d = Path(directory)
    return SimKeys(load_private_key((d / "platform_key.pem").read_bytes()), platform_serial,
                   load_private_key((d / "pub_key_private.pem").read_bytes()), public_key_id)
