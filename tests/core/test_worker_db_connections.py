"""Celery workers keep their database connection from task to task (Celery's Django
fixup would close it around every task), and drop it like Django's request cycle
does: when it is older than CONN_MAX_AGE, in error or failing its health check."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from shequn.core.celery_app import DB_REUSE_MAX, app, recycle_db_connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class _Task:
    class request:  # the shape Celery passes to its signal handlers
        is_eager = False


def _run_tasks(n: int) -> None:
    """What a worker does around ``n`` tasks: the fixup's hooks, then ours."""
    fixup = app._fixups[0].worker_fixup  # type: ignore[attr-defined]
    for _ in range(n):
        fixup.on_task_prerun(_Task())
        recycle_db_connections(task=_Task())
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        fixup.on_task_postrun(_Task())
        recycle_db_connections(task=_Task())


def _persistent() -> object:
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 300  # as with SHEQUN_DB_CONN_MAX_AGE=300
    return connection.connection


def test_the_connection_is_kept_across_tasks():
    assert app.conf.get("CELERY_DB_REUSE_MAX") == DB_REUSE_MAX
    raw = _persistent()
    _run_tasks(20)
    assert connection.connection is raw


def test_an_old_connection_is_replaced():
    raw = _persistent()
    connection.close_at = time.monotonic() - 1
    _run_tasks(1)
    assert connection.connection is not raw


def test_a_broken_connection_is_replaced():
    raw = _persistent()
    raw.close()  # e.g. the server terminated it
    connection.errors_occurred = True
    _run_tasks(1)  # its query ran on a new connection
    assert connection.connection is not raw
