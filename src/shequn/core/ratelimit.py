"""Fixed-window rate limits in the cache.

In staging and production the cache is Redis (required there), so every web
process and host counts against the same windows; ``add`` then ``incr`` is
atomic on Redis and on the local-memory cache of the demo. Windows are keyed by
``shequn.core.clock`` so tests can move time forward."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from shequn.core import clock


def key_part(value: str) -> str:
    """A short, fixed-length stand-in for a user-supplied value (usernames,
    phones, tokens) so keys never carry personal data or unbounded text."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _bucket_key(key: str, window_seconds: int) -> str:
    bucket = int(clock.now().timestamp()) // window_seconds
    return f"rl:{key}:{bucket}"


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit in the current window; False once ``limit`` is exceeded."""
    full = _bucket_key(key, window_seconds)
    cache.add(full, 0, window_seconds + 60)
    try:
        n = cache.incr(full)
    except ValueError:  # evicted between add and incr: start again
        cache.add(full, 1, window_seconds + 60)
        n = 1
    return n <= limit


def count(key: str, window_seconds: int) -> int:
    """Hits so far in the current window (without counting one)."""
    return int(cache.get(_bucket_key(key, window_seconds)) or 0)


def exceeded(key: str, limit: int, window_seconds: int) -> bool:
    return count(key, window_seconds) >= limit
