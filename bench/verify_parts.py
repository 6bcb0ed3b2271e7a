"""Where a verify-page check's CPU goes, part by part (not a test).

Runs N checks of random units of the last lot ``bench/trace_bench.py`` made,
one thread, through Django's full request handling as ``trace_bench`` does,
and reports per check: this thread's CPU time in each part of the view (the
rate limit, finding the unit and writing the check, signals, the journey, the
template) and the PostgreSQL backend's CPU time (read from /proc; the server
runs on this machine). Thread CPU time, not wall time: other tenants of the VM
slow the clock, not the count of instructions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench \\
        REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/verify_parts.py --checks 3000 [--fresh] [--no-signals]

``--no-signals`` raises the signal thresholds out of reach: the units of a
benchmark database are checked again and again by its runs, far more than real
units, and most of them are past the thresholds."""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
os.environ.setdefault("SHEQUN_LOG", "WARNING")
os.environ.setdefault("SHEQUN_DEBUG", "0")
os.environ.setdefault("SHEQUN_DB_CONN_MAX_AGE", "600")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from served import served  # noqa: E402

from shequn.trace import signals, verify  # noqa: E402
from shequn.trace.models import CodeBatch, UnitCode  # noqa: E402
from shequn.web.verify import page, views  # noqa: E402

spent: collections.Counter[str] = collections.Counter()


def timed(module: Any, name: str, label: str) -> None:
    """Count the thread CPU time of ``module.name`` under ``label``."""
    inner = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - start

    setattr(module, name, wrapper)


def backend_cpu() -> float:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=3000)
    parser.add_argument("--fresh", action="store_true", help="freshly coded units, not delivered")
    parser.add_argument("--no-signals", action="store_true")
    args = parser.parse_args()
    if args.no_signals:
        settings.SHEQUN.setdefault("TRACE_SIGNALS", {}).update(repeat_scans=10**9,
                                                                devices=10**9)
    units = UnitCode.objects.filter(batch__quantity__gte=1000)
    units = (units.exclude(state="delivered") if args.fresh
             else units.filter(state="delivered"))
    lots = dict(CodeBatch.objects.values_list("pk", "lot"))
    picked = [(g, lots[b], s) for g, b, s in
              units.values_list("gtin", "batch_id", "serial").order_by("-pk")[:20_000]]
    if not picked:
        sys.exit("run bench/trace_bench.py on this database first")
    timed(views, "_allowed", "rate limit (Redis)")
    # One statement on PostgreSQL since 2026-12-07 (before: find_unit, then
    # record_scan's write).
    timed(verify, "check", "find the unit and write the check (signals included)")
    timed(signals, "on_unit_scan", "signals")
    timed(verify, "journey", "journey")
    timed(views, "_unit_context", "page context (journey included)")
    timed(views, "render", "template")  # a page the frame does not serve
    timed(page, "render_unit", "page from its frame (template)")
    rng, client = random.Random(7), Client()

    def check(n: int) -> None:
        for _ in range(n):
            gtin, lot, serial = rng.choice(picked)
            resp = served(client, f"/01/{gtin}/10/{lot}/21/{serial}", rng)
            assert resp.status_code == 200, resp.status_code

    check(300)  # warm: templates, prepared statements, caches
    spent.clear()
    pg, cpu = backend_cpu(), time.thread_time()
    check(args.checks)
    total = (time.thread_time() - cpu) / args.checks * 1000
    print(f"{args.checks} checks of {'fresh' if args.fresh else 'delivered'} units"
          f"{', signals out of reach' if args.no_signals else ''}:")
    print(f"  Python CPU per check {total:.3f} ms, PostgreSQL CPU "
          f"{(backend_cpu() - pg) / args.checks * 1000:.3f} ms")
    for label, seconds in spent.most_common():
        print(f"  {label:34s} {seconds / args.checks * 1000:.3f} ms")


if __name__ == "__main__":
    main()
