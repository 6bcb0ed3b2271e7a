"""Notification signatures: HMAC-SHA256 over ``timestamp\\nnonce\\nbody\\n`` (the
WeChat Pay v3 message layout, with a shared secret in place of RSA so the
simulator and Shequn need no certificate). The body is verified byte-exact as
received, never re-serialised; a timestamp older than 5 minutes is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac

from shequn.core.httpinput import whole_number

SIGNATURE_HEADER = "X-Shequn-Pay-Signature"
TIMESTAMP_HEADER = "X-Shequn-Pay-Timestamp"
NONCE_HEADER = "X-Shequn-Pay-Nonce"
MAX_SKEW_SECONDS = 300


def message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), message(timestamp, nonce, body), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, timestamp: str, nonce: str, body: bytes, signature: str,
           now_epoch: int) -> str | None:
    """Returns None when valid, else the reason it is not."""
    if not (timestamp and nonce and signature):
        return "missing_headers"
    sent_at = whole_number(timestamp)
    if sent_at is None or abs(now_epoch - sent_at) > MAX_SKEW_SECONDS:
        return "stale"
    expected = sign(secret, timestamp, nonce, body)
    if not hmac.compare_digest(expected, signature):
        return "bad_signature"
    return None
