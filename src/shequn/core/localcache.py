"""A small in-process cache in front of the shared one, for values read on
every request of a hot page and changed rarely (the verify page's lot, SKU,
product and brand; authorization chains; warehouse names).

A Redis GET costs a round trip and an unpickling per value, about 0.1 ms of
CPU each; three of them were a tenth of the verify page's time. Values kept
here are shared by the requests of one process and must not be changed by
them. A change made elsewhere reaches this process when the entry expires
(``seconds``, a few): callers invalidate the shared cache and this process's
entries (``discard``) at once, other processes within that bound."""

from __future__ import annotations

import threading
import time
from typing import Any

MISSING: Any = object()
_all: list[LocalCache] = []
_lock = threading.Lock()


class LocalCache:
    def __init__(self, seconds: float, max_entries: int = 10_000) -> None:
        self.seconds, self.max_entries = seconds, max_entries
        self._data: dict[Any, tuple[float, Any]] = {}
        with _lock:
            _all.append(self)

    def get(self, key: Any) -> Any:
        found = self._data.get(key)
        if found is None or found[0] < time.monotonic():
            return MISSING
        return found[1]

    def set(self, key: Any, value: Any) -> None:
        if len(self._data) >= self.max_entries:
            self._data.clear()  # rare: a burst of distinct keys; start again
        self._data[key] = (time.monotonic() + self.seconds, value)

    def discard(self, *keys: Any) -> None:
        for key in keys:
            self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()


def clear_all() -> None:
    """Every local cache of this process (tests, between cases)."""
    for one in list(_all):
        one.clear()
