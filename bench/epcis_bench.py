"""EPCIS repository benchmark (not a test), PostgreSQL only.

1. Preload N events (default 10,000,000) straight into the partitioned tables
   with SQL (generate_series; two years of event times, one unit EPC per event,
   its EPC index row), the way a repository that has run for a while looks.
2. Time the standard queries through the real query code (trace.epcis.query,
   Django ORM, the same path GET /epcis/events takes, minus HTTP): MATCH_epc and
   EQ_eventID on random existing events; p50/p99 in ms.
3. Time bulk capture through the real capture path (schema validation, CBV hash
   IDs for events without eventID, one all-or-nothing job per document) with
   documents of 1,000 events; events per second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench \\
        .venv/bin/python bench/epcis_bench.py --events 10000000

``--skip-load`` reuses a loaded database; ``--drop`` empties the tables after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
os.environ.setdefault("SHEQUN_LOG", "WARNING")
os.environ.setdefault("SHEQUN_DEBUG", "0")
# Connections kept across requests, as staging and production keep them (the
# demo's default closes them after each request: a new backend per request).
os.environ.setdefault("SHEQUN_DB_CONN_MAX_AGE", "600")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from shequn.trace.epcis import capture, query  # noqa: E402

GTIN = "09312345000012"
CHUNK = 500_000
STEM = f"https://id.gs1.org/01/{GTIN}/21/B"


def load(n: int) -> float:
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM trace_epcisevent")
        base = cur.fetchone()[0]
        for first in range(1, n + 1, CHUNK):
            last = min(n, first + CHUNK - 1)
            cur.execute(f"""
                INSERT INTO trace_epcisevent (id, event_id, event_type, event_time,
                    record_time, action, biz_step, disposition, read_point, biz_location,
                    biz_transactions, doc, context)
                SELECT {base} + i, 'urn:bench:' || i, 'ObjectEvent',
                    now() - ((i % 700) || ' days')::interval - ((i % 86400) || ' s')::interval,
                    now(), 'OBSERVE', 'shipping', 'in_transit', '', 'urn:shequn:warehouse:B',
                    '', jsonb_build_object('type', 'ObjectEvent', 'action', 'OBSERVE',
                        'eventID', 'urn:bench:' || i, 'bizStep', 'shipping',
                        'disposition', 'in_transit', 'eventTimeZoneOffset', '+08:00',
                        'epcList', jsonb_build_array(
                            'https://id.gs1.org/01/{GTIN}/21/B' || (i / 4))),
                    '[]'::jsonb
                FROM generate_series({first}, {last}) AS i""")
            cur.execute(f"""
                INSERT INTO trace_epcindex (event_id, epc, role, gtin, event_time)
                SELECT id, doc->'epcList'->>0, 'epc', '{GTIN}', event_time
                FROM trace_epcisevent WHERE id BETWEEN {base + first} AND {base + last}""")
            print(f"  loaded {last:,} events", flush=True)
        cur.execute("ANALYZE trace_epcisevent; ANALYZE trace_epcindex")
    return time.perf_counter() - start


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def time_queries(n: int, count: int) -> dict[str, dict[str, float]]:
    out = {}
    rng = random.Random(7)
    for name, make in (
            ("MATCH_epc", lambda i: {"MATCH_epc": f"https://id.gs1.org/01/{GTIN}/21/B{i // 4}"}),
            ("EQ_eventID", lambda i: {"EQ_eventID": f"urn:bench:{i}"})):
        samples = []
        for _ in range(count):
            i = rng.randint(1, n)
            t = time.perf_counter()
            rows, _ = query.events(make(i), None)
            query.query_document(rows)
            samples.append((time.perf_counter() - t) * 1000)
            assert rows, name
        out[name] = {"p50_ms": round(statistics.median(samples), 2),
                     "p99_ms": round(_pct(samples, 0.99), 2), "queries": count}
    return out


def _brand_key() -> str:
    """An API key (scope epcis) of a brand owning the benchmark GTIN: its
    queries carry the visibility rule (events naming its GTINs)."""
    from shequn.brands import apikeys
    from shequn.catalog.models import SKU
    from tests.builders.catalog import make_product, make_sku
    from tests.builders.console import make_brand

    sku = SKU.objects.filter(gtin=GTIN).select_related("product__brand").first()
    if sku is None:  # first run on this database
        sku = make_sku(product=make_product(brand=make_brand().org), gtin=GTIN)
    return apikeys.create_key(sku.product.brand, ["epcis"])[1]


def time_http(n: int, count: int) -> dict[str, dict[str, float]]:
    """The same queries as GET /epcis/events through Django's full request
    handling (test client: middleware, API-key check, JSON), server time."""
    from django.test import Client

    from shequn.brands import apikeys

    keys = {"platform": apikeys.create_key(None, ["epcis"])[1], "brand": _brand_key()}
    client = Client()
    out = {}
    rng = random.Random(11)
    for who, key in keys.items():
        auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        for name, make in (
                ("MATCH_epc", lambda i: {"MATCH_epc": f"{STEM}{i // 4}"}),
                ("EQ_eventID", lambda i: {"EQ_eventID": f"urn:bench:{i}"})):
            client.get("/epcis/events", make(1), **auth)  # warm
            samples = []
            for _ in range(count):
                i = rng.randint(1, n)
                t = time.perf_counter()
                resp = client.get("/epcis/events", make(i), **auth)
                samples.append((time.perf_counter() - t) * 1000)
                assert resp.status_code == 200, resp.content[:300]
                assert resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            out[f"{who} {name}"] = {"p50_ms": round(statistics.median(samples), 2),
                                    "p99_ms": round(_pct(samples, 0.99), 2),
                                    "requests": count}
    return out


def _documents(run: str, first: int, docs: int, per_doc: int) -> list[bytes]:
    out = []
    for d in range(first, first + docs):
        events = [{"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving",
                   "disposition": "in_progress",
                   "eventTime": f"2026-11-{1 + (k % 28):02d}T10:{k % 60:02d}:00.000+08:00",
                   "eventTimeZoneOffset": "+08:00",
                   "epcList": [f"urn:epc:id:sgtin:9312345.000001.C{run}{d}x{k}"],
                   "readPoint": {"id": "urn:shequn:warehouse:HZXS-1210"}}
                  for k in range(per_doc)]
        doc = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
               "type": "EPCISDocument", "schemaVersion": "2.0",
               "creationDate": "2026-12-01T00:00:00Z", "epcisBody": {"eventList": events}}
        out.append(json.dumps(doc).encode())
    return out


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (the
    server runs on this machine: /proc), so that a run on a shared machine can
    be read as CPU per event, whatever else the cores were doing."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _capture(bodies: list[bytes]) -> int:
    """Each document as POST /epcis/capture takes it (parse, validate, job),
    then the job as the worker runs it (hash IDs, duplicate check, store)."""
    total = 0
    for body in bodies:
        job = capture.submit(capture.parse(body), None)
        done = capture.run(job.pk)
        assert done is not None and done.state == "success", done and done.errors[:3]
        total += done.event_count
    return total


def _capture_child(bodies: list[bytes]) -> int:
    connection.close()  # a connection of its own after the fork
    return _capture(bodies)


def time_capture(docs: int, per_doc: int, processes: int = 1) -> dict[str, float]:
    run = f"{time.time_ns():x}"  # EPCs unique per run: a rerun is not a duplicate
    bodies = _documents(run, 0, docs, per_doc)  # built before the clock starts
    start = time.perf_counter()
    cpu: dict[str, float] = {}
    if processes <= 1:
        py, pg = time.process_time(), backend_cpu()
        total = _capture(bodies)
        cpu = {"python_cpu_us_per_event": round((time.process_time() - py) / total * 1e6, 1),
               "postgres_cpu_us_per_event": round((backend_cpu() - pg) / total * 1e6, 1)}
        cpu["events_per_cpu_s"] = round(1e6 / (cpu["python_cpu_us_per_event"]
                                                + cpu["postgres_cpu_us_per_event"]), 1)
    else:
        import multiprocessing

        connection.close()
        shares = [bodies[i::processes] for i in range(processes)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            total = sum(pool.map(_capture_child, shares))
    seconds = time.perf_counter() - start
    return {"events": total, "processes": processes, "seconds": round(seconds, 2),
            "events_per_s": round(total / seconds, 1), **cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--capture-docs", type=int, default=20)
    parser.add_argument("--per-doc", type=int, default=1000)
    parser.add_argument("--capture-processes", type=int, default=1,
                        help="capturing clients (forked processes) at once")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--skip-capture", action="store_true")
    parser.add_argument("--http", type=int, default=0,
                        help="also time N GET /epcis/events requests per query and key")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    result: dict[str, object] = {"events": args.events}
    if not args.skip_load:
        result["load_seconds"] = round(load(args.events), 1)
    if not args.skip_queries:
        result["queries"] = time_queries(args.events, args.queries)
    if args.http:
        from shequn.core import ratelimit

        ratelimit.hit = lambda *a, **k: True  # type: ignore[assignment]
        result["http"] = time_http(args.events, args.http)
    if not args.skip_capture:
        result["capture"] = time_capture(args.capture_docs, args.per_doc,
                                         args.capture_processes)
    print(json.dumps(result, indent=2))
    if args.drop:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE trace_epcisevent, trace_epcindex")


if __name__ == "__main__":
    main()
