"""Invite codes, signed invite links and materialised-path segments (pure helpers).

Invite codes are random (``secrets``), 8 characters from an alphabet without
look-alikes (no 0/O, 1/I/L): 32**8 ≈ 1.1e12 codes, so guessing one of a million
live codes takes about a million tries on average. They are not derived from ids.
"""

from __future__ import annotations

import secrets

from django.core import signing

from shequn.core import clock
from shequn.distribution.models import SEGMENT_WIDTH

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
INVITE_SALT = "shequn.distribution.invite"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_invite_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """Upper-cased code, or None when it cannot be a code (wrong length/characters)."""
    s = (raw or "").strip().upper()
    if len(s) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in s):
        return None
    return s


def segment(profile_id: int) -> str:
    """Fixed-width base-36 of ``profile_id``; string order equals numeric order."""
    if profile_id <= 0 or profile_id >= 36 ** SEGMENT_WIDTH:
        raise ValueError("profile id out of range for a path segment")
    out = []
    n = profile_id
    while n:
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(reversed(out)).rjust(SEGMENT_WIDTH, "0")


def path_ids(path: str) -> list[int]:
    """The profile ids on ``path``, root first."""
    return [int(path[i:i + SEGMENT_WIDTH], 36) for i in range(0, len(path), SEGMENT_WIDTH)]


def make_invite_token(code: str) -> str:
    # Issue time from shequn.core.clock (not signing's max_age) so tests can move time.
    payload = {"c": code, "iat": int(clock.now().timestamp())}
    return signing.dumps(payload, salt=INVITE_SALT, compress=True)


def read_invite_token(token: str, max_age_seconds: int) -> str | None:
    """The invite code inside a valid token, else None (tampered, expired, malformed)."""
    if not isinstance(token, str) or not token or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    iat = data.get("iat")
    if not isinstance(iat, int):
        return None
    age = clock.now().timestamp() - iat
    if age > max_age_seconds or age < -300:  # 300 s of clock skew between hosts
        return None
    return normalize_code(data["c"])
