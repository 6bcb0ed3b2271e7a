"""Fixed-window rate limits in the cache.

In staging and production the cache is Redis (required there), so every web
process and host counts against the same windows; ``add`` then ``incr`` is
atomic on Redis and on the local-memory cache of the demo. Windows are keyed by
``shequn.core.clock`` so tests can move time forward.

``local_first``: the first hits of a key in a window are counted in this
process and sent to the shared count together with the next one. For the
busiest public page (the verify page: each buyer's address checks a code or
two) the Redis round trip was a tenth of a check's time and more under load
(the process waits, another runs, caches go cold): most addresses never reach
it. The limit still holds exactly within one process; across P processes a key
can pass it by at most ``local_first`` hits per other process and window (the
hits each holds unsent). Limits that guard accounts (logins, codes by SMS)
count every hit in the shared store."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoScriptError

from shequn.core import clock


def key_part(value: str) -> str:
    """A short, fixed-length stand-in for a user-supplied value (usernames,
    phones, tokens) so keys never carry personal data or unbounded text."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _bucket(window_seconds: int) -> int:
    return int(clock.now().timestamp()) // window_seconds


def _bucket_key(key: str, window_seconds: int, bucket: int | None = None) -> str:
    return f"rl:{key}:{_bucket(window_seconds) if bucket is None else bucket}"


# INCRBY creates the counter at its first count and EXPIRE NX gives it a life once (Redis >= 7),
# in one command run atomically by the server: Django's add + incr would be three
# round trips, and a pipeline of the two commands costs the web process 15 µs
# more per hit than one EVALSHA (measured with redis-py 7; the verify page pays
# it on every scan).
_HIT_SCRIPT = ("local n = redis.call('INCRBY', KEYS[1], ARGV[2]) "
               "redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX') return n")
_HIT_SHA = hashlib.sha1(_HIT_SCRIPT.encode()).hexdigest()  # noqa: S324 (Redis's script id)


def _redis_client(name: str) -> Any:
    """The redis-py client behind Django's Redis cache, or None on other caches
    (the demo's memory). ``_cache`` is Django's RedisCacheClient, which has had
    ``get_client`` since the backend arrived in Django 4.0."""
    backend: Any = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(name, write=True)


def _redis_hit(client: Any, name: str, ttl: int, hits: int) -> int:
    try:
        return int(client.evalsha(_HIT_SHA, 1, name, ttl, hits))
    except NoScriptError:  # first use, or Redis restarted: EVAL loads it again
        return int(client.eval(_HIT_SCRIPT, 1, name, ttl, hits))


def _shared_hit(full: str, window_seconds: int, hits: int) -> int:
    """Add ``hits`` to the shared count of window key ``full``; the new count."""
    ttl = window_seconds + 60
    name = cache.make_and_validate_key(full)
    client = _redis_client(name)
    if client is not None:
        return _redis_hit(client, name, ttl, hits)
    cache.add(full, 0, ttl)
    try:
        return int(cache.incr(full, hits))
    except ValueError:  # evicted between add and incr: start again
        cache.add(full, hits, ttl)
        return hits


# Hits held in this process (``local_first``): per window length, the window
# they are of and, per window key, the hits not sent yet (0: sent, the key's
# next hits go to the shared count). A new window drops the last one's. At most
# HELD_KEYS keys are held: past that (a flood of addresses) new keys are
# counted in the shared store at once.
HELD_KEYS = 100_000
_held: dict[int, tuple[int, dict[str, int]]] = {}
_held_lock = threading.Lock()


def _hold(full: str, window_seconds: int, bucket: int, local_first: int) -> int:
    """Count one hit locally: this process's count of the key (positive) or,
    when the hit must go to the shared count, minus the hits to send (the ones
    held and this one)."""
    with _held_lock:
        window = _held.get(window_seconds)
        if window is None or window[0] != bucket:
            window = _held[window_seconds] = (bucket, {})
        held = window[1]
        n = held.get(full)
        if n is None:
            if len(held) >= HELD_KEYS:
                return -1  # not held, not remembered
            held[full] = 1
            return 1
        if 0 < n < local_first:
            held[full] = n + 1
            return n + 1
        held[full] = 0
        return -(n + 1)


def hit(key: str, limit: int, window_seconds: int, *, local_first: int = 0) -> bool:
    """Count one hit in the current window; False once ``limit`` is exceeded.
    ``local_first``: this process decides a key's first hits of a window
    alone (see the module's note)."""
    bucket = _bucket(window_seconds)
    full = _bucket_key(key, window_seconds, bucket)
    hits = 1
    if local_first > 0:
        n = _hold(full, window_seconds, bucket, local_first)
        if n > 0:
            return n <= limit
        hits = -n
    return _shared_hit(full, window_seconds, hits) <= limit


def forget_held() -> None:
    """Drop the hits this process holds (tests, between cases)."""
    with _held_lock:
        _held.clear()


def count(key: str, window_seconds: int) -> int:
    """Hits so far in the current window (without counting one)."""
    return int(cache.get(_bucket_key(key, window_seconds)) or 0)


def exceeded(key: str, limit: int, window_seconds: int) -> bool:
    return count(key, window_seconds) >= limit
