"""A buyer's check commits without waiting for its WAL flush when it is its own
transaction (decision 0015), and only then: never a caller's transaction,
never the connection's later ones. PostgreSQL only (the demo's SQLite has its
own synchronous setting)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from shequn.core import clock
from shequn.trace import verify
from shequn.trace.models import ScanTally
from tests.builders.trace_verify import coded_units

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def _synchronous_commit() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW synchronous_commit")
        return str(cur.fetchone()[0])


def _params(unit, relaxed: bool) -> list:
    return verify._check_params(unit.gtin, unit.serial, "", clock.now(), "dev", "",
                                relaxed=relaxed)


@pytest.mark.django_db
def test_the_statement_relaxes_its_own_transaction_when_asked():
    unit = coded_units(1)[0]
    with transaction.atomic(), connection.cursor() as cur:
        assert _synchronous_commit() == "on"
        verify._CHECK.execute(cur, _params(unit, relaxed=False)).fetchall()
        assert _synchronous_commit() == "on"
        verify._CHECK.execute(cur, _params(unit, relaxed=True)).fetchall()
        assert _synchronous_commit() == "off"  # this transaction only (is_local)
    assert ScanTally.objects.get(unit=unit).count == 2


@pytest.mark.django_db
def test_a_check_inside_a_callers_transaction_leaves_its_commit_alone():
    unit = coded_units(1)[0]
    with transaction.atomic():
        checked = verify.check(unit.gtin, unit.serial, "", device="dev")
        assert checked.unit is not None and checked.scan.count == 1
        assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_a_check_of_its_own_is_counted_and_the_connection_stays_synchronous():
    unit = coded_units(1)[0]
    assert not connection.in_atomic_block
    for n in (1, 2):
        assert verify.check(unit.gtin, unit.serial, "", device="dev").scan.count == n
    # The relaxed setting ended with each check's transaction.
    assert _synchronous_commit() == "on"
    assert ScanTally.objects.get(unit=unit).count == 2
