"""core.prepared: statements prepared once per server session, run by name,
planned generically, prepared again on a new connection."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shequn.core import prepared

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ADD = prepared.Statement("test_prepared_add", ("int", "int"), "SELECT $1 + $2")


def _names() -> set[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cur.fetchall()}


def test_prepared_once_then_executed_by_name():
    with CaptureQueriesContext(connection) as ctx, connection.cursor() as cur:
        assert ADD.execute(cur, [2, 3]).fetchone() == (5,)
        assert ADD.execute(cur, [10, -4]).fetchone() == (6,)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum(q.startswith("PREPARE test_prepared_add") for q in sql) == 1
    assert sum(q.startswith("EXECUTE test_prepared_add") for q in sql) == 2
    assert "test_prepared_add" in _names()


def test_survives_a_rolled_back_transaction_and_a_new_connection():
    with pytest.raises(ZeroDivisionError), transaction.atomic(), connection.cursor() as cur:
        assert ADD.execute(cur, [1, 1]).fetchone() == (2,)
        raise ZeroDivisionError  # the transaction that prepared it rolls back
    with connection.cursor() as cur:  # still prepared: not prepared twice
        assert ADD.execute(cur, [1, 2]).fetchone() == (3,)
    connection.close()
    with connection.cursor() as cur:  # a new server session prepares it again
        assert ADD.execute(cur, [4, 4]).fetchone() == (8,)
    assert "test_prepared_add" in _names()


def test_known_statements_are_read_from_the_session():
    # A statement the session already has (our record lost, e.g. a reset
    # process-wide record) is not prepared again ("already exists" error).
    with connection.cursor() as cur:
        ADD.execute(cur, [1, 1])
    prepared.forget_all()
    with connection.cursor() as cur:
        assert ADD.execute(cur, [2, 2]).fetchone() == (4,)


def test_generic_plans_for_prepared_statements():
    with connection.cursor() as cur:
        cur.execute("SHOW plan_cache_mode")
        assert cur.fetchone()[0] == "force_generic_plan"


def test_names_are_checked():
    with pytest.raises(ValueError):
        prepared.Statement("x; DROP TABLE y", (), "SELECT 1")
