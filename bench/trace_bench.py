"""Unit codes and the verify page (not a test), PostgreSQL.

1. Generate N unit codes (default 1,000,000) in cartons of 24 through the real
   job (trace.codes.generate: chunks of units, cartons, commissioning and packing
   EPCIS events, each chunk one transaction); codes per second.
2. The verify page: GET of random units' Digital Links through Django's full
   request handling (middleware, view, template, the scan write) with the test
   client in T threads for S seconds; server time per request p50/p99 and the
   scans per second achieved. With ``--delivered D`` the page is checked on D
   units that went the whole way (shipped to and received at the bonded
   warehouse in their cartons, unpacked, released, picked, shipped, delivered:
   eight steps, as a buyer scanning what arrived sees) instead of freshly coded
   ones (two steps). With ``--processes P`` also from P forked workers, flat
   out or (``--rate R``) with R checks arriving per second at random; then
   ``p99_ms`` runs from each check's arrival and ``handling_p99_ms`` from a
   worker taking it (what a server logs, without the wait for a free worker).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench \\
        .venv/bin/python bench/trace_bench.py --codes 1000000 --threads 4 --seconds 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

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
from django.test import Client  # noqa: E402
from served import phone_of, served  # noqa: E402

from shequn.demo.seeding import seed  # noqa: E402
from shequn.trace import codes  # noqa: E402
from shequn.trace.models import CodeBatch, UnitCode  # noqa: E402


def generate(n: int, per_carton: int) -> tuple[CodeBatch, dict[str, float]]:
    data = seed()
    koala = data.brands["koala"]
    sku = data.skus["KD-IF3-900"]
    lot = f"B{int(time.time()) % 10**8}"
    batch = codes.create_batch(None, koala, sku_id=sku.pk, lot=lot, quantity=n,
                               per_carton=per_carton)
    start = time.perf_counter()
    codes.generate(batch.pk)
    seconds = time.perf_counter() - start
    batch.refresh_from_db()
    assert batch.generated == n
    return batch, {"codes": n, "seconds": round(seconds, 1),
                   "codes_per_s": round(n / seconds, 1)}


def deliver(batch: CodeBatch, n: int) -> list[str]:
    """The journey of the first ``n`` units (whole cartons) to a buyer, as the
    flows write it; their serials."""
    from django.db.models import F
    from django.utils import timezone

    from shequn.inventory.models import Warehouse
    from shequn.trace import journey
    from shequn.trace.models import Carton

    warehouse = Warehouse.objects.order_by("pk").first()
    brand = batch.org
    units = list(UnitCode.objects.filter(batch=batch).select_related("carton").order_by("pk")[:n])
    at = timezone.now() - dt.timedelta(days=5)
    events = []
    cartons: dict[str, list[str]] = {}
    for u in units:
        if u.carton is not None:
            cartons.setdefault(u.carton.sscc, []).append(journey.unit_epc(u.gtin, u.serial))
    for sscc, epcs in cartons.items():
        parent = journey.carton_epc(sscc)
        events += [journey.shipped_to_warehouse([parent], asn_number="BENCH", brand=brand,
                                                warehouse=warehouse, at=at),
                   journey.received_at_warehouse([parent], asn_number="BENCH",
                                                 warehouse=warehouse,
                                                 at=at + dt.timedelta(days=1)),
                   journey.unpacking(parent, epcs, warehouse=warehouse,
                                     at=at + dt.timedelta(days=2))]
    for i, u in enumerate(units):
        epc, order = [journey.unit_epc(u.gtin, u.serial)], f"BENCH{i:08d}"
        events += [journey.customs_released(epc, order_number=order, customs_ref=order,
                                            warehouse=warehouse, at=at + dt.timedelta(days=2)),
                   journey.picked(epc, order_number=order, warehouse=warehouse,
                                  at=at + dt.timedelta(days=2, hours=1)),
                   journey.shipped_to_buyer(epc, order_number=order, waybill=f"SF{i:013d}",
                                            warehouse=warehouse,
                                            at=at + dt.timedelta(days=2, hours=2)),
                   journey.delivered(epc, order_number=order, at=at + dt.timedelta(days=4))]
    for start in range(0, len(events), 1000):
        journey.write(events[start:start + 1000])
    Carton.objects.filter(sscc__in=list(cartons)).update(state=Carton.State.OPENED)
    UnitCode.objects.filter(pk__in=[u.pk for u in units]).update(
        state=UnitCode.State.DELIVERED, carton=None, last_carton=F("carton"))
    return [u.serial for u in units]


def _backend_cpu() -> float:
    """CPU seconds of this thread's connection's PostgreSQL backend (/proc: the
    server is on this machine)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serials(batch: CodeBatch, only: list[str] | None) -> list[str]:
    return only or list(UnitCode.objects.filter(batch=batch)
                        .values_list("serial", flat=True)[:200_000])


def verify_load(batch: CodeBatch, threads: int, seconds: float,
                only: list[str] | None = None) -> dict[str, float]:
    ids = _serials(batch, only)
    samples: list[float] = []
    pg_cpu: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(seed_: int) -> None:
        rng = random.Random(seed_)
        client = Client()
        mine = []
        pg = _backend_cpu()
        while time.perf_counter() < stop:
            serial = rng.choice(ids)
            t = time.perf_counter()
            resp = served(client, f"/01/{batch.gtin}/10/{batch.lot}/21/{serial}", rng,
                          phone_of(serial) if _PHONES else "")
            mine.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, resp.status_code
        used = _backend_cpu() - pg
        connection.close()
        with lock:
            samples.extend(mine)
            pg_cpu.append(used)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    began, py = time.perf_counter(), time.process_time()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - began
    py_ms = (time.process_time() - py) / len(samples) * 1000
    pg_ms = sum(pg_cpu) / len(samples) * 1000
    ordered = sorted(samples)
    return {"requests": len(samples), "threads": threads,
            "scans_per_s": round(len(samples) / elapsed, 1),
            "python_cpu_ms_per_scan": round(py_ms, 2), "postgres_cpu_ms_per_scan": round(pg_ms, 2),
            "scans_per_cpu_s": round(1000 / (py_ms + pg_ms), 1),
            "p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99)], 2)}


# Open loop (--rate): the arrival times of every scan of the run, and the index
# of the next one not yet taken, shared by the forked workers. Each worker takes
# the next arrival when it is free, as a server's workers take the next
# connection from their shared listening socket; a scan's time runs from its
# arrival, so waiting behind slow ones counts (no coordinated omission).
_ARRIVALS: list[float] = []
# --phones unit (each unit checked by its buyer's phone) or worker (each
# worker one phone checking every unit: the runs before 2026-12-07 13:30 UTC).
_PHONES = True
_NEXT: Any = None


def _next_arrival() -> float | None:
    with _NEXT.get_lock():
        i = _NEXT.value
        _NEXT.value += 1
    return _ARRIVALS[i] if i < len(_ARRIVALS) else None


def _process(args: tuple[str, str, list[str], int, float, int, bool]
             ) -> list[tuple[float, float]]:
    """(ms from the scan's arrival, ms from a worker taking it) per scan."""
    gtin, lot, ids, threads, stop_at, seed_, open_loop = args
    connection.close()  # a connection of its own after the fork
    samples: list[tuple[float, float]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        rng = random.Random(seed_ * 100 + n)
        client = Client()
        mine = []
        # Open loop: every arrival is served, however late (a run that falls
        # behind ends after its last arrival): dropping the ones still queued at
        # the end would leave the slowest scans out of the p99.
        while open_loop or time.time() < stop_at:
            if open_loop:
                due = _next_arrival()
                if due is None:
                    break
                # One reading of the clock: read twice, the second could pass
                # the arrival and ask for a negative sleep (ValueError, which
                # ended the worker's thread and left the run a worker short).
                wait = due - time.time()
                if wait > 0:
                    time.sleep(wait)
                taken = time.perf_counter()
                t = taken - max(0.0, time.time() - due)
            else:
                t = taken = time.perf_counter()
            serial = rng.choice(ids)
            resp = served(client, f"/01/{gtin}/10/{lot}/21/{serial}", rng,
                          phone_of(serial) if _PHONES else "")
            done = time.perf_counter()
            mine.append(((done - t) * 1000, (done - taken) * 1000))
            assert resp.status_code == 200, resp.status_code
        connection.close()
        with lock:
            samples.extend(mine)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return samples


def verify_processes(batch: CodeBatch, processes: int, threads: int,
                     seconds: float, only: list[str] | None = None,
                     rate: float = 0) -> dict[str, float]:
    """The verify load from P forked processes of T threads each (the way a
    server of P workers would run on this machine, without the HTTP layer):
    each as fast as it is answered, or (``rate``) scans arriving at that many
    per second in all."""
    import gc
    import multiprocessing

    ids = _serials(batch, only)
    connection.close()
    # The workers inherit this process's heap (the seed, the codes generated,
    # the journeys written), far more than a server worker holds: frozen, as a
    # server's loaded application is (shequn/wsgi.py), so the collector's full
    # passes do not walk it in every worker at once (they took 300-450 ms).
    gc.collect()
    gc.freeze()
    global _NEXT
    context = multiprocessing.get_context("fork")
    began = time.perf_counter()
    stop_at = time.time() + seconds
    if rate:  # Poisson arrivals, starting once the workers are up
        at, rng = time.time() + 1.0, random.Random(7)
        _ARRIVALS.clear()
        while at < stop_at + 1.0:
            _ARRIVALS.append(at)
            at += rng.expovariate(rate)
        stop_at += 1.0
        _NEXT = context.Value("l", 0)
    with context.Pool(processes) as pool:
        parts = pool.map(_process, [(batch.gtin, batch.lot, ids, threads, stop_at, i, bool(rate))
                                    for i in range(processes)])
    elapsed = time.perf_counter() - began - (1.0 if rate else 0.0)
    ordered = sorted(x for part in parts for x, _ in part)
    # The time a server itself would log for each scan (its request handling,
    # from a worker taking the scan): without the wait for a free worker.
    handled = sorted(y for part in parts for _, y in part)
    return {"requests": len(ordered), "processes": processes, "threads": threads,
            **({"arrivals_per_s": rate} if rate else {}),
            "scans_per_s": round(len(ordered) / elapsed, 1),
            "p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99)], 2),
            **({"handling_p50_ms": round(statistics.median(handled), 2),
                "handling_p99_ms": round(handled[int(len(handled) * 0.99)], 2)}
               if rate else {})}


def queries_per_scan(batch: CodeBatch, only: list[str] | None = None) -> int:
    from django.test.utils import CaptureQueriesContext

    serial = _serials(batch, only)[0]
    client = Client()
    url = f"/01/{batch.gtin}/10/{batch.lot}/21/{serial}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--per-carton", type=int, default=24)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--processes", type=int, default=0,
                        help="also run the verify load from P processes of --threads each")
    parser.add_argument("--rate", type=float, default=0,
                        help="with --processes: scans arrive at this many per second in all "
                             "(open loop, Poisson), instead of each process going flat out")
    parser.add_argument("--phones", choices=("unit", "worker"), default="unit",
                        help="a unit is checked by its buyer's phone (unit) or each worker is "
                             "one phone checking every unit (worker: raises many-device "
                             "signals on most units, as runs before 2026-12-07 did)")
    parser.add_argument("--delivered", type=int, default=0,
                        help="check D units that were delivered (eight steps) instead")
    args = parser.parse_args()
    global _PHONES
    _PHONES = args.phones == "unit"
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    batch, gen = generate(args.codes, args.per_carton)
    only = deliver(batch, args.delivered) if args.delivered else None
    with connection.cursor() as cur:  # what autovacuum does soon after, in service
        cur.execute("ANALYZE trace_epcisevent; ANALYZE trace_epcindex; ANALYZE trace_unitcode")
    result: dict[str, object] = {"generate": gen, "delivered_units": len(only or []),
                                 "queries_per_scan": queries_per_scan(batch, only),
                                 "verify": verify_load(batch, args.threads, args.seconds, only)}
    if args.processes:
        result["verify_processes"] = verify_processes(batch, args.processes, args.threads,
                                                      args.seconds, only, args.rate)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
