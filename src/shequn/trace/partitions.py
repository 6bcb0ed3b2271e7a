"""Monthly partitions of the EPCIS tables on PostgreSQL (see migration 0006):
``ensure`` creates the partitions of the months around now that do not exist
yet; rows outside them land in the default partition. Run by the migration and
daily by a periodic job; a no-op on other databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequn.core import clock

TABLES = ("trace_epcisevent", "trace_epcindex")


def _month(day: dt.date, shift: int) -> dt.date:
    n = day.year * 12 + day.month - 1 + shift
    return dt.date(n // 12, n % 12 + 1, 1)


def ensure(connection: Any = None, *, months_back: int = 1, months_ahead: int = 3) -> int:
    from django.db import connection as default

    conn = connection or default
    if conn.vendor != "postgresql":
        return 0
    today = clock.now().date()
    made = 0
    with conn.cursor() as cur:
        for table in TABLES:
            cur.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
                        "i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
                        [table])
            have = {r[0] for r in cur.fetchall()}
            for shift in range(-months_back, months_ahead + 1):
                start = _month(today, shift)
                name = f"{table}_{start:%Y%m}"
                if name in have:
                    continue
                end = _month(start, 1)
                # A month whose rows already sit in the default partition cannot
                # be attached; those stay where they are.
                # Table names come from TABLES (constants), never from input.
                cur.execute(f"SELECT 1 FROM {table}_default WHERE event_time >= %s "  # noqa: S608
                            f"AND event_time < %s LIMIT 1", [start, end])
                if cur.fetchone():
                    continue
                cur.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM "
                            f"('{start.isoformat()}') TO ('{end.isoformat()}')")
                made += 1
    return made


def ensure_job() -> int:
    """The periodic job: at most once a day across workers."""
    from django.core.cache import cache

    if not cache.add("trace:partitions", 1, 24 * 3600):
        return 0
    return ensure()
