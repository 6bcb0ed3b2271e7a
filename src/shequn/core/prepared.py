"""Server-side prepared statements for a few hot, fixed SELECTs (PostgreSQL).

Django binds parameters on the client and sends every statement as text, so
PostgreSQL parses and plans it each time. For a query over a table partitioned
by month (the EPCIS events and their EPC index: thirty partitions and more)
planning costs several times what running it does: 1.0 ms of planning against
0.13 ms of execution for the verify page's EPC lookup. A statement prepared
once per connection is planned from its cached plan after that.

``PREPARE`` and ``EXECUTE`` go through Django's cursor, so query logging and
``CaptureQueriesContext`` still see them. Which statements a connection has
prepared is kept on the driver's connection object: a new connection (after a
reconnect or ``close_old_connections``) prepares again. Not for use behind a
transaction-mode connection pooler (a prepared statement belongs to one server
session); Shequn connects to PostgreSQL directly (ARCHITECTURE §5).
PostgreSQL only: callers keep their SQLite path."""

from __future__ import annotations

import re
import weakref
from typing import Any

from django.db import connection

_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Statement:
    """One named statement: ``sql`` uses $1, $2, … and ``types`` are their
    PostgreSQL types, e.g. ``("text", "text")``."""

    def __init__(self, name: str, types: tuple[str, ...], sql: str) -> None:
        if not _NAME.match(name):
            raise ValueError(f"bad statement name {name!r}")
        self.name, self.types, self.sql = name, types, sql
        self._execute = (f"EXECUTE {name} ({', '.join(['%s'] * len(types))})"
                         if types else f"EXECUTE {name}")

    def _ensure(self, cursor: Any) -> None:
        raw = connection.connection
        done = _prepared.get(raw)
        if done is None:
            # What this server session already has (a statement survives the
            # rollback of the transaction that prepared it).
            cursor.execute("SELECT name FROM pg_prepared_statements")
            done = _prepared[raw] = {row[0] for row in cursor.fetchall()}
        if self.name not in done:
            args = f"({', '.join(self.types)})" if self.types else ""
            cursor.execute(f"PREPARE {self.name}{args} AS {self.sql}")
            done.add(self.name)

    def execute(self, cursor: Any, params: list[Any]) -> Any:
        """Run it on ``cursor`` (a cursor of the default connection)."""
        connection.ensure_connection()
        self._ensure(cursor)
        cursor.execute(self._execute, params)
        return cursor


def forget_all() -> None:
    """After DISCARD ALL or a pooled reconnect (tests): prepare again."""
    _prepared.clear()
