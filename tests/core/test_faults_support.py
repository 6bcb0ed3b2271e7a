"""Handler for the fault tests (test_faults.py), imported by the Celery worker
subprocess through SHEQUN_WORKER_IMPORTS. No tests here.

Topic ``fault.probe``: every run is logged in ``fault_runs`` through its own
autocommit connection (so runs that were killed stay counted), then, on the
first run of an event only, sleeps ``payload["sleep_first"]`` seconds (the
window in which a test kills something), then writes one row into
``fault_effects`` inside the handler's transaction. ``fault_runs`` counts
executions; ``fault_effects`` is the effect that must happen exactly once."""

from __future__ import annotations

import os
import time

import psycopg
from django.db import connection

from shequn.core import outbox
from shequn.core.models import OutboxEvent

TOPIC = "fault.probe"

TABLES = """
CREATE TABLE IF NOT EXISTS fault_runs (id bigserial PRIMARY KEY, event_id bigint NOT NULL,
                                       pid integer NOT NULL, at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS fault_effects (id bigserial PRIMARY KEY, event_id bigint NOT NULL);
"""


def dsn() -> str:
    s = connection.settings_dict
    parts = {"dbname": s["NAME"], "host": s.get("HOST") or "", "port": s.get("PORT") or "",
             "user": s.get("USER") or "", "password": s.get("PASSWORD") or ""}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


@outbox.handler(TOPIC)
def probe(event: OutboxEvent) -> None:
    with psycopg.connect(dsn(), autocommit=True) as log_conn:
        row = log_conn.execute("SELECT count(*) FROM fault_runs WHERE event_id = %s",
                               [event.pk]).fetchone()
        log_conn.execute("INSERT INTO fault_runs (event_id, pid) VALUES (%s, %s)",
                         [event.pk, os.getpid()])
    if row is not None and row[0] == 0:
        time.sleep(float(event.payload.get("sleep_first", 0)))
    with connection.cursor() as cur:
        cur.execute("INSERT INTO fault_effects (event_id) VALUES (%s)", [event.pk])
