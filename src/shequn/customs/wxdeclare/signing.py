"""API v2 signature (§4.5): drop empty values and ``sign``, sort the keys
ASCII-ascending, join ``k=v`` with ``&`` (values raw), append ``&key=KEY``,
then MD5 or HMAC-SHA256 (keyed with the API key), uppercase hex."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

MD5 = "MD5"
HMAC_SHA256 = "HMAC-SHA256"
SIGN_TYPES = (MD5, HMAC_SHA256)


def base_string(params: Mapping[str, object], key: str) -> str:
    """The string that is signed (without it nothing can be debugged)."""
    items = sorted((k, str(v)) for k, v in params.items()
                   if k != "sign" and v is not None and str(v) != "")
    return "&".join(f"{k}={v}" for k, v in items) + f"&key={key}"


def sign(params: Mapping[str, object], key: str, sign_type: str = MD5) -> str:
    text = base_string(params, key).encode("utf-8")
    if sign_type == MD5:
        return hashlib.md5(text).hexdigest().upper()  # noqa: S324  (WeChat's algorithm)
    if sign_type == HMAC_SHA256:
        return hmac.new(key.encode("utf-8"), text, hashlib.sha256).hexdigest().upper()
    raise ValueError(f"unknown sign_type {sign_type!r}")


def verify(params: Mapping[str, object], key: str, sign_type: str | None = None) -> bool:
    """True when ``params['sign']`` is the signature of the other fields. The
    type is the message's ``sign_type`` when it has one, else ``sign_type``
    (MD5 by default)."""
    given = str(params.get("sign") or "")
    kind = str(params.get("sign_type") or sign_type or MD5)
    if not given or kind not in SIGN_TYPES:
        return False
    return hmac.compare_digest(given.upper(), sign(params, key, kind))
