"""On PostgreSQL the EPCIS tables are partitioned by month and events land in
their month's partition; queries by EPC and eventID still find them."""

from __future__ import annotations

import pytest
from django.db import connection

from shequn.trace import partitions
from shequn.trace.epcis import store

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return str(cur.fetchone()[0])


def test_events_land_in_their_month():
    partitions.ensure(months_back=1, months_ahead=1)
    from shequn.core import clock

    now = clock.now()
    [row] = store.record([{"type": "ObjectEvent", "action": "OBSERVE",
                           "eventTime": now.isoformat(), "eventTimeZoneOffset": "+00:00",
                           "epcList": ["urn:epc:id:sgtin:0614141.107346.9"]}])
    assert _partition_of("trace_epcisevent", row.pk) == f"trace_epcisevent_{now:%Y%m}"
    [old] = store.record([{"type": "ObjectEvent", "action": "OBSERVE",
                           "eventTime": "2005-04-03T20:33:31.116-06:00",
                           "eventTimeZoneOffset": "-06:00",
                           "epcList": ["urn:epc:id:sgtin:0614141.107346.9"]}])
    assert _partition_of("trace_epcisevent", old.pk) == "trace_epcisevent_default"
    assert [e.pk for e in store.events_for_epc("urn:epc:id:sgtin:0614141.107346.9")] == \
        [old.pk, row.pk]
    assert partitions.ensure(months_back=1, months_ahead=1) == 0  # idempotent
