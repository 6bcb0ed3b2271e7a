"""A copied code: the verify page of one unit already checked H times (not a test).

A counterfeiter copies one genuine code onto many fakes and every buyer of every
copy checks it. This gives one unit of the last lot ``bench/trace_bench.py``
made H earlier checks from H devices (written directly: the scan log, and the
devices and tally where the checkout keeps them), then times checks of it
through the page of the checkout at CHECKOUT (this one by default), so old and
new code can be compared on the same unit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench \\
        .venv/bin/python bench/copied_code.py [CHECKOUT] --checks 50000 --requests 300
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--checks", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.checkout).resolve() / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    os.environ.setdefault("SHEQUN_LOG", "WARNING")
    os.environ.setdefault("SHEQUN_DEBUG", "0")
    os.environ.setdefault("SHEQUN_DB_CONN_MAX_AGE", "600")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from served import served

    from shequn.trace.models import CodeBatch, UnitCode

    batch = CodeBatch.objects.filter(quantity__gte=1000).order_by("-created_at").first()
    assert batch is not None, "run bench/trace_bench.py on this database first"
    # A unit no other benchmark checks: the lot's last, not delivered.
    unit = UnitCode.objects.filter(batch=batch).exclude(state="delivered").order_by("-pk").first()
    assert unit is not None
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM trace_scan WHERE unit_id = %s", [unit.pk])
        if cur.fetchone()[0] < args.checks:
            cur.execute("""
                INSERT INTO trace_scan (unit_id, gtin, serial, at, device, city)
                SELECT %s, %s, %s, now() - interval '30 days' + g * interval '1 second',
                       md5(g::text), ''
                FROM generate_series(1, %s) g""", [unit.pk, unit.gtin, unit.serial, args.checks])
            cur.execute("SELECT to_regclass('trace_scantally') IS NOT NULL")
            if cur.fetchone()[0]:  # the tally as the page keeps it
                cur.execute("""
                    INSERT INTO trace_scandevice (unit_id, device)
                    SELECT DISTINCT unit_id, device FROM trace_scan WHERE unit_id = %s
                    ON CONFLICT DO NOTHING""", [unit.pk])
                cur.execute("""
                    INSERT INTO trace_scantally (unit_id, count, first_at, devices, city_scans)
                    SELECT unit_id, count(*), min(at), count(DISTINCT device), 0
                    FROM trace_scan WHERE unit_id = %s GROUP BY unit_id
                    ON CONFLICT (unit_id) DO UPDATE SET count = EXCLUDED.count,
                        first_at = EXCLUDED.first_at, devices = EXCLUDED.devices""", [unit.pk])
            cur.execute("ANALYZE trace_scan")
    rng, client = random.Random(7), Client()
    url = f"/01/{batch.gtin}/10/{batch.lot}/21/{unit.serial}"
    for _ in range(20):
        served(client, url, rng)
    samples = []
    began = time.process_time()
    for _ in range(args.requests):
        t = time.perf_counter()
        resp = served(client, url, rng)
        samples.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.status_code
    python_ms = (time.process_time() - began) / args.requests * 1000
    body = resp.content.decode()
    count = int(body.split('data-testid="repeat-warning" data-count="', 1)[1].split('"', 1)[0])
    assert count >= args.checks, count
    ordered = sorted(samples)
    print(json.dumps({"checkout": args.checkout, "checks_before": count - 1,
                      "requests": args.requests, "python_cpu_ms": round(python_ms, 2),
                      "p50_ms": round(statistics.median(ordered), 2),
                      "p99_ms": round(ordered[int(len(ordered) * 0.99)], 2)}, indent=2))


if __name__ == "__main__":
    main()
