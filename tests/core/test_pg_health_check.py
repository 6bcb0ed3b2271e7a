"""core.postgresql: a kept connection is checked at the start of each request
by asking its socket, and by SELECT 1 only when the server sent something (a
terminated session, a shut-down server) since its last answer."""

from __future__ import annotations

import select
import time
from unittest import mock

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import connection, connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _kept() -> object:
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 300  # as with SHEQUN_DB_CONN_MAX_AGE=300
    assert connection.health_check_enabled
    return connection.connection


def _request() -> list[int]:
    """What Django's request cycle does around a request whose view runs one
    statement (WSGIHandler sends these signals; the test client does not).
    The rows the statement returned."""
    request_started.send(sender=None)
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            return [row[0] for row in cur.fetchall()]
    finally:
        request_finished.send(sender=None)


def test_the_backend_is_ours():
    assert type(connections["default"]).__module__ == "shequn.core.postgresql.base"
    assert connection.vendor == "postgresql"


def test_a_quiet_kept_connection_is_reused_without_select_1():
    raw = _kept()
    wrapper = connections["default"]
    with mock.patch.object(wrapper, "is_usable", wraps=wrapper.is_usable) as usable:
        for _ in range(5):
            assert _request() == [1]
    assert usable.call_count == 0
    assert connection.connection is raw


def test_a_terminated_session_is_found_and_replaced():
    raw = _kept()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server says so (FATAL) and closes: the socket becomes readable.
    assert select.select([raw.fileno()], [], [], 5)[0]  # type: ignore[attr-defined]
    wrapper = connections["default"]
    with mock.patch.object(wrapper, "is_usable", wraps=wrapper.is_usable) as usable:
        assert _request() == [1]  # answered on a new connection, no error
    assert usable.call_count == 1
    assert connection.connection is not raw
