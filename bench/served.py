"""One verify-page request as a server runs it, for the benchmarks.

Django's test client skips the connection housekeeping ``WSGIHandler`` does
around each request (the kept connection's age and health check), which a
server pays for. Each scan comes from an address of its own (many buyers, not
one), so the page's rate limit is counted in Redis as in service without
refusing the load. Django is imported by the caller (the checkout it runs)."""

from __future__ import annotations

import random
from typing import Any


def served(client: Any, url: str, rng: random.Random) -> Any:
    from django.db import close_old_connections

    close_old_connections()
    try:
        return client.get(url, REMOTE_ADDR=f"10.{rng.randrange(256)}.{rng.randrange(256)}."
                                           f"{rng.randrange(1, 255)}")
    finally:
        close_old_connections()
