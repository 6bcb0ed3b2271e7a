"""Personal data at rest: AES-256-GCM ciphertext plus a keyed hash for lookups
(ARCHITECTURE §4.7). Masks are what every page, API and log shows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = "v1"


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[bytes, bytes]:
    raw = base64.urlsafe_b64decode(master)
    if len(raw) < 32:
        raw = hashlib.sha256(raw).digest()
    # Derive separate keys for encryption and for the lookup hash.
    enc = hmac.new(raw, b"shequn-pii-enc", hashlib.sha256).digest()
    mac = hmac.new(raw, b"shequn-pii-hash", hashlib.sha256).digest()
    return enc, mac


def encrypt(plain: str) -> str:
    enc, _ = _keys(settings.SHEQUN_PII_KEY)
    nonce = os.urandom(12)
    ct = AESGCM(enc).encrypt(nonce, plain.encode(), _VERSION.encode())
    return _VERSION + ":" + base64.urlsafe_b64encode(nonce + ct).decode()


def decrypt(token: str) -> str:
    enc, _ = _keys(settings.SHEQUN_PII_KEY)
    version, _, body = token.partition(":")
    raw = base64.urlsafe_b64decode(body)
    return AESGCM(enc).decrypt(raw[:12], raw[12:], version.encode()).decode()


def lookup_hash(plain: str) -> str:
    """Deterministic keyed hash: equal inputs match, the input cannot be recovered."""
    _, mac = _keys(settings.SHEQUN_PII_KEY)
    return hmac.new(mac, plain.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id(id_number: str) -> str:
    s = id_number.strip()
    if len(s) < 8:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def mask_phone(phone: str) -> str:
    s = phone.strip()
    if len(s) < 7:
        return "*" * len(s)
    return s[:3] + "****" + s[-4:]


def mask_name(name: str) -> str:
    s = name.strip()
    if len(s) <= 1:
        return s
    return s[0] + "*" * (len(s) - 1)


def mask_person(name: str = "", phone_masked: str = "", username: str = "") -> str:
    """How a person (a customer, a leader) is shown to someone who may not see who
    they are, the same on every page: their account's name masked; without one the
    masked phone; else the username masked; else "—". Pages that show a customer
    pass the account's fields (``display_name``, ``phone_masked``, ``username``),
    never an order's real-name snapshot, so a customer looks the same in the
    customer list, the orders and the commission lines."""
    if name.strip():
        return mask_name(name)
    if phone_masked:
        return phone_masked
    return mask_name(username) if username.strip() else "—"


def mask_user(user: Any) -> str:
    """:func:`mask_person` for a user object."""
    return mask_person(getattr(user, "display_name", "") or "",
                       getattr(user, "phone_masked", "") or "",
                       getattr(user, "username", "") or "")
