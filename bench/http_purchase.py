"""HTTP purchase benchmark (not a test): whole purchases against the staging
topology under gunicorn, as buyers would make them, at several concurrencies.

    .venv/bin/python bench/http_purchase.py --buyers 4,16,32 --purchases 400
    ... --web-workers 5 --json

The topology is the deploy test's (``tests/deploy/topology.py``): a fresh
PostgreSQL database (created, migrated, seeded with ``seed_demo`` and dropped
at the end), Redis, RabbitMQ, ``shequn worker --relay --beat``, the customs
simulator as its own process and gunicorn with ``shequn.gunicorn_conf``
(``SHEQUN_ENV=staging``). Everything runs on this machine, so the client, the
worker clearing every paid order through customs, PostgreSQL and the web
processes share the same cores.

One purchase is: one-time code request, sign-in with the code, identity,
address, cart add, quote, place, the provider's signed payment notification
(eight requests, timed per step). Each purchase has its own phone, ID number
and client address (``X-Forwarded-For`` from the trusted proxy), as real
buyers do; the code is read from the SMS simulator's store in Redis through
Shequn's own ``SimulatedSms`` (a bench-only hook, so the staff inbox page is
not part of the load; ``--otp inbox`` reads it on that page instead). A few
purchases warm the workers up before the clock starts.

At the end, in SQL: paid orders = applied payment notifications = purchases
completed, and nothing oversold (per SKU, units in live orders <= units
received; per stock row, 0 <= reserved <= on hand).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "src"))

from tests.deploy.topology import (  # noqa: E402
    STEPS,
    Browser,
    Buyer,
    HttpError,
    Topology,
    children_of,
    payments_reader,
    purchase,
    resident_id,
    sms_code_from_inbox,
    staff_sign_in,
)

# Bonded SKUs of seed_demo under the 5,000 single-item limit: purchases are
# spread over them (one line, one unit each).
SKU_CODES = ("KD-IF3-900", "SB-SERUM-30", "SB-LOTION-200", "SB-MASK-5", "KH-MANUKA-500",
             "SR-FISHOIL-200")
LIVE = ("pending_payment", "paid", "on_hold", "shipped", "delivered", "completed")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (/proc/<pid>/stat, clock ticks)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def job_pids(topo: Topology) -> list[int]:
    """The worker's process tree and the customs simulator."""
    found: list[int] = []
    todo = [p.popen.pid for name, p in topo.procs.items() if name in ("worker", "sim")]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children_of(pid))
    return found


def top_up_stock(topo: Topology, units_per_sku: int) -> dict[str, int]:
    """Receive stock so each SKU has at least ``units_per_sku`` available."""
    rows = topo.sql("SELECT s.id, s.code, COALESCE(SUM(st.on_hand - st.reserved), 0) "
                    "FROM catalog_sku s LEFT JOIN inventory_stock st ON st.sku_id = s.id "
                    "WHERE s.code = ANY(%s) GROUP BY s.id, s.code", [list(SKU_CODES)])
    ids = {code: sku_id for sku_id, code, _ in rows}
    missing = {code: units_per_sku - int(avail) for _, code, avail in rows
               if avail < units_per_sku}
    if missing:
        topo.shell(
            "import datetime as dt\n"
            "from shequn.catalog.models import SKU\n"
            "from shequn.inventory import services\n"
            f"for code, qty in {missing!r}.items():\n"
            "    sku = SKU.objects.get(code=code)\n"
            "    wh = sku.stocks.select_related('warehouse').first().warehouse\n"
            "    services.receive(warehouse=wh, sku=sku, lot=code + '-BENCH', "
            "expiry=dt.date(2029, 12, 31), qty=qty, note='bench top-up')\n")
    return ids


def otp_hook(topo: Topology) -> Callable[[str], str]:
    """Reads the simulated SMS from Redis with Shequn's own code (bench only)."""
    os.environ.update(topo.env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequn.settings"
    import django

    django.setup()
    from shequn.accounts.sms import SimulatedSms

    def read(phone: str) -> str:
        for _ in range(50):
            code = SimulatedSms.last_code(phone)
            if code:
                return code
            time.sleep(0.02)
        raise HttpError("no simulated SMS for the phone")
    return read


def otp_inbox(topo: Topology) -> Callable[[str], str]:
    """Reads the code on the staff-only inbox page (one operator session per thread)."""
    local = threading.local()

    def read(phone: str) -> str:
        if not hasattr(local, "staff"):
            local.staff = Browser(topo.web_url)
            staff_sign_in(local.staff)
        return str(sms_code_from_inbox(local.staff, phone))
    return read


class Run:
    """Purchases by ``buyers`` threads until ``total`` are attempted."""

    def __init__(self, topo: Topology, sku_ids: list[int], read_code: Callable[[str], str],
                 numbers: itertools.count) -> None:
        self.topo, self.sku_ids, self.read_code = topo, sku_ids, read_code
        self.numbers = numbers
        self.payments = payments_reader(topo)
        self.lock = threading.Lock()

    def one(self, n: int) -> dict[str, float]:
        phone = f"13{(n * 7919 + 10_000_019) % 10**9:09d}"
        browser = Browser(self.topo.web_url,
                          forwarded_for=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
        done = purchase(browser, Buyer(phone, resident_id(n)),
                        self.sku_ids[n % len(self.sku_ids)], read_code=self.read_code,
                        payments_of=self.payments,
                        payment_secret=self.topo.env["SHEQUN_PAYMENT_SECRET"])
        return done.steps

    def run(self, buyers: int, total: int) -> dict[str, Any]:
        steps: dict[str, list[float]] = {s: [] for s in STEPS}
        whole: list[float] = []
        errors: list[str] = []
        left = iter(range(total))

        def work() -> None:
            while True:
                with self.lock:
                    if next(left, None) is None:
                        return
                    n = next(self.numbers)
                t0 = time.perf_counter()
                try:
                    timing = self.one(n)
                except Exception as exc:  # counted and shown, the run goes on
                    with self.lock:
                        errors.append(str(exc)[:300])
                    continue
                elapsed = time.perf_counter() - t0
                with self.lock:
                    whole.append(elapsed)
                    for name, seconds in timing.items():
                        steps[name].append(seconds)

        pids = self.topo.web_worker_pids()
        jobs = job_pids(self.topo)
        cpu0, jobs0 = cpu_seconds(pids), cpu_seconds(jobs)
        started = time.perf_counter()
        threads = [threading.Thread(target=work) for _ in range(buyers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        cpu = cpu_seconds(pids) - cpu0
        jobs_cpu = cpu_seconds(jobs) - jobs0
        completed = len(whole)
        ms = 1000.0
        return {
            "buyers": buyers,
            "purchases": completed,
            "failed": len(errors),
            "errors": sorted(set(errors))[:5],
            "seconds": round(wall, 2),
            "purchases_per_s": round(completed / wall, 1),
            "web_cpu_ms_per_purchase": round(cpu * ms / completed, 1) if completed else None,
            # The Celery worker, its relay and the customs simulator, clearing
            # the paid orders while the run goes on (same cores).
            "jobs_cpu_ms_per_purchase": round(jobs_cpu * ms / completed, 1)
            if completed else None,
            "purchase_ms": {"p50": round(pct(whole, 50) * ms, 1),
                            "p95": round(pct(whole, 95) * ms, 1),
                            "p99": round(pct(whole, 99) * ms, 1)},
            "steps_ms": {name: {"p50": round(pct(v, 50) * ms, 1),
                                "p95": round(pct(v, 95) * ms, 1),
                                "p99": round(pct(v, 99) * ms, 1),
                                "mean": round(statistics.fmean(v) * ms, 1) if v else 0.0}
                         for name, v in steps.items()},
        }


def clear_backlog(topo: Topology, say: Callable[..., None],
                  timeout: float = 900) -> dict[str, Any]:
    """Restart the worker and time how long it takes to clear every paid order."""
    def waiting() -> int:
        [(n,)] = topo.sql("SELECT count(*) FROM orders_order "
                          "WHERE paid_at IS NOT NULL AND cleared_at IS NULL")
        return int(n)

    backlog = waiting()
    jobs_before = cpu_seconds(job_pids(topo))  # the simulator's so far (worker stopped)
    t0 = time.perf_counter()
    topo.restart("worker")
    while (left := waiting()) and time.perf_counter() - t0 < timeout:
        time.sleep(1)
    seconds = time.perf_counter() - t0
    say(f"clearance after the runs: {backlog - left} of {backlog} orders in {seconds:.1f} s")
    return {"orders": backlog, "cleared": backlog - left, "seconds": round(seconds, 1),
            "orders_per_s": round((backlog - left) / seconds, 1) if seconds else None,
            "jobs_cpu_ms_per_order": round((cpu_seconds(job_pids(topo)) - jobs_before)
                                           * 1000 / max(1, backlog - left), 1)}


def sql_checks(topo: Topology) -> dict[str, Any]:
    [(paid_orders,)] = topo.sql("SELECT count(*) FROM orders_order WHERE paid_at IS NOT NULL")
    [(succeeded,)] = topo.sql("SELECT count(DISTINCT order_id) FROM payments_payment "
                              "WHERE state = 'succeeded'")
    [(applied,)] = topo.sql("SELECT count(*) FROM payments_paymentnotification "
                            "WHERE signature_ok AND outcome = 'applied'")
    oversold_skus = topo.sql(
        "SELECT s.code, sold.units, recv.units FROM catalog_sku s "
        "JOIN (SELECT l.sku_id, SUM(l.qty) AS units FROM orders_orderline l "
        "      JOIN orders_order o ON o.id = l.order_id WHERE o.state = ANY(%s) "
        "      GROUP BY l.sku_id) sold ON sold.sku_id = s.id "
        "JOIN (SELECT st.sku_id, SUM(m.on_hand_delta) AS units FROM inventory_stockmove m "
        "      JOIN inventory_stock st ON st.id = m.stock_id WHERE m.kind = 'receive' "
        "      GROUP BY st.sku_id) recv ON recv.sku_id = s.id "
        "WHERE sold.units > recv.units", [list(LIVE)])
    [(bad_rows,)] = topo.sql("SELECT count(*) FROM inventory_stock "
                             "WHERE reserved < 0 OR on_hand < 0 OR reserved > on_hand")
    return {"paid_orders": paid_orders, "payments_succeeded": succeeded,
            "notifications_applied": applied,
            "oversold": bool(oversold_skus) or bad_rows > 0,
            "oversold_skus": [list(map(str, r)) for r in oversold_skus]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", default="4,16,32",
                        help="comma-separated concurrent buyers (threads), one run each")
    parser.add_argument("--purchases", type=int, default=300,
                        help="purchases per run (per concurrency)")
    parser.add_argument("--warmup", type=int, default=12)
    parser.add_argument("--web-workers", type=int, default=0,
                        help="gunicorn workers (0: shequn.gunicorn_conf's default)")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--otp", choices=("hook", "inbox"), default="hook")
    parser.add_argument("--keep", action="store_true", help="keep the logs directory")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--clearance", choices=("live", "after"), default="live",
                        help="live: the worker clears orders during the runs (they share "
                             "the cores); after: the worker is stopped for the timed runs "
                             "and restarted afterwards, and the clearance of the backlog "
                             "is timed on its own")
    args = parser.parse_args()
    levels = [int(x) for x in args.buyers.split(",") if x.strip()]

    workdir = Path(tempfile.mkdtemp(prefix="shequn-http-bench-"))
    # Workers are not recycled during the runs, so their CPU time adds up.
    topo = Topology(workdir, web_workers=args.web_workers or None,
                    worker_concurrency=args.worker_concurrency,
                    extra_env={"SHEQUN_WEB_MAX_REQUESTS": "0", "SHEQUN_LOG": "WARNING"})
    say = (lambda *_: None) if args.json else (lambda *a: print(*a, file=sys.stderr))
    try:
        topo.start()
        say(f"topology up in {sum(topo.timings.values()):.1f}s {topo.timings}; "
            f"{len(topo.web_worker_pids())} web workers")
        total = args.warmup + args.purchases * len(levels)
        ids = top_up_stock(topo, math.ceil(total / len(SKU_CODES)) + 10)
        read_code = otp_hook(topo) if args.otp == "hook" else otp_inbox(topo)
        numbers = itertools.count(random.randrange(1, 5000) * 1000)
        bench = Run(topo, [ids[c] for c in SKU_CODES], read_code, numbers)
        warm = bench.run(min(4, max(levels)), args.warmup)
        say(f"warm-up: {warm['purchases']} purchases, {warm['failed']} failed "
            f"{warm['errors']}")
        if args.clearance == "after":
            topo.procs["worker"].stop()
        runs = []
        for buyers in levels:
            result = bench.run(buyers, args.purchases)
            runs.append(result)
            say(f"{buyers:>3} buyers: {result['purchases_per_s']} purchases/s "
                f"(p50 {result['purchase_ms']['p50']} ms, "
                f"p99 {result['purchase_ms']['p99']} ms, "
                f"{result['failed']} failed)")
        drain = clear_backlog(topo, say) if args.clearance == "after" else None
        checks = sql_checks(topo)
        completed = sum(int(r["purchases"]) for r in [warm, *runs])
        checks["purchases_completed"] = completed
        checks["consistent"] = (checks["paid_orders"] == checks["notifications_applied"]
                                == checks["payments_succeeded"] == completed)
        result = {"web_workers": len(topo.web_worker_pids()),
                  "cores": len(os.sched_getaffinity(0)), "otp": args.otp,
                  "clearance": args.clearance, "runs": runs, "clearance_after": drain,
                  "checks": checks}
    finally:
        topo.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    ok = checks["consistent"] and not checks["oversold"]
    return 0 if ok else 1


def print_table(result: dict[str, Any]) -> None:
    for run in result["runs"]:
        print(f"\n{run['buyers']} buyers: {run['purchases']} purchases in {run['seconds']} s "
              f"= {run['purchases_per_s']} purchases/s, {run['failed']} failed, "
              f"web CPU {run['web_cpu_ms_per_purchase']} ms/purchase, "
              f"worker + simulator CPU {run['jobs_cpu_ms_per_purchase']} ms/purchase")
        if run["errors"]:
            print("  errors:", *run["errors"], sep="\n    ")
        print(f"  {'step':<12}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
        rows = [*run["steps_ms"].items(), ("purchase", run["purchase_ms"])]
        for name, q in rows:
            print(f"  {name:<12}{q['p50']:>10}{q['p95']:>10}{q['p99']:>10}")
    print("\nchecks:", json.dumps(result["checks"], ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
