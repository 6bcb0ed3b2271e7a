"""Two checkouts' verify pages side by side, at the same time (not a test).

This project's machine is a VM whose speed varies by half from one minute to the
next; runs of one checkout after another measure the host as much as the code.
Here each checkout's verify page runs in its own process over the same units of
the same database, both starting at the same moment, so both see the same
machine: the ratio of their rates is what the code changed.

Needs a database that ``bench/trace_bench.py`` filled (the last lot it made is used;
with ``--delivered`` the last lot with delivered units, and those units).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench \\
        .venv/bin/python bench/verify_duel.py /path/to/old/checkout . --seconds 20 [--delivered]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path


def run_one(src: str, start_at: float, seconds: float, delivered: bool) -> None:
    """In a child process: the verify page of the checkout at ``src``."""
    sys.path.insert(0, src)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    os.environ.setdefault("SHEQUN_LOG", "WARNING")
    os.environ.setdefault("SHEQUN_DEBUG", "0")
    os.environ.setdefault("SHEQUN_DB_CONN_MAX_AGE", "600")
    import django

    django.setup()
    from django.test import Client
    from served import served

    import shequn
    from shequn.trace.models import CodeBatch, UnitCode

    assert shequn.__file__ and shequn.__file__.startswith(src), shequn.__file__
    # The last lot trace_bench made (with delivered units when asked for).
    lots = CodeBatch.objects.filter(quantity__gte=1000)
    if delivered:
        lots = lots.filter(units__state="delivered").distinct()
    batch = lots.order_by("-created_at").first()
    assert batch is not None, "run bench/trace_bench.py on this database first"
    units = UnitCode.objects.filter(batch=batch)
    units = units.filter(state="delivered") if delivered else units.exclude(state="delivered")
    serials = list(units.values_list("serial", flat=True)[:20_000])
    rng = random.Random(os.getpid())
    client = Client()

    def scan() -> None:
        resp = served(client, f"/01/{batch.gtin}/10/{batch.lot}/21/{rng.choice(serials)}", rng)
        assert resp.status_code == 200, resp.status_code

    for _ in range(200):  # warm: templates, prepared statements, caches
        scan()
    while time.time() < start_at:
        time.sleep(0.01)
    took: list[float] = []
    cpu, end = time.process_time(), time.time() + seconds
    while time.time() < end:
        t = time.perf_counter()
        scan()
        took.append((time.perf_counter() - t) * 1000)
    cpu = time.process_time() - cpu
    took.sort()
    print(f"{src}: {len(took)} scans, {len(took) / seconds:.1f}/s, "
          f"Python CPU {cpu / len(took) * 1000:.2f} ms/scan, "
          f"p50 {took[len(took) // 2]:.2f} ms, p99 {took[int(len(took) * 0.99)]:.2f} ms",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkouts", nargs=2, help="two checkout directories")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--delivered", action="store_true",
                        help="delivered units (eight steps) instead of freshly coded ones")
    parser.add_argument("--child", nargs=2, metavar=("SRC", "START"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.child[0], float(args.child[1]), args.seconds, args.delivered)
        return
    start_at = time.time() + 20  # after both have set up and warmed
    children = [subprocess.Popen(
        [sys.executable, __file__, "x", "y", "--seconds", str(args.seconds),
         *(["--delivered"] if args.delivered else []),
         "--child", str(Path(c).resolve() / "src"), str(start_at)]) for c in args.checkouts]
    sys.exit(max(child.wait() for child in children))


if __name__ == "__main__":
    main()
