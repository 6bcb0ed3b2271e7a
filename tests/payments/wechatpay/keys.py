"""Key material the tests make for themselves (one RSA key per role, cached)."""

from __future__ import annotations

import functools

from shequn.payments.wechatpay import crypto

APIV3_KEY = "0123456789abcdef0123456789abcdef"


@functools.cache
def platform() -> tuple:
    key = crypto.new_keypair()
    cert = crypto.self_signed_cert(key, "Tenpay.com Root CA test", serial=0x5157F09EFDC096DE15EB)
    return key, cert


@functools.cache
def merchant():
    return crypto.new_keypair()


@functools.cache
def stranger():
    return crypto.new_keypair()
