"""Mainland mobile numbers: the one normal form every sign-in, SMS inbox and
identity uses."""

from __future__ import annotations

import re

from shequn.accounts.errors import AccountError

_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only (\d is any script's)
_SEPARATORS_RE = re.compile(r"[\s\-()]")


def normalize_phone(phone: str) -> str:
    """Return the 11-digit mainland mobile number or raise ``invalid_phone``.
    Accepts a leading +86 / 0086 / 86 and common separators."""
    s = _SEPARATORS_RE.sub("", phone or "")
    for prefix in ("+86", "0086"):
        if s.startswith(prefix):
            s = s[len(prefix):]
            break
    else:
        if len(s) == 13 and s.startswith("86"):
            s = s[2:]
    if not _MOBILE_RE.match(s):
        raise AccountError.INVALID_PHONE.error()
    return s
