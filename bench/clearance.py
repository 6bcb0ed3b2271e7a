"""End-to-end clearance benchmark (not a test): paid orders cleared per minute
with two Celery workers on PostgreSQL and RabbitMQ, the single-window simulator
as its own process at zero delay, and the receipts posted back to a web process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench_clear \\
        .venv/bin/python bench/clearance.py --orders 300 [--json]

The benchmark creates and migrates its database, places and pays the orders
first (their ``order.paid`` events wait in the outbox), then starts the simulator,
the web process and two workers (one also runs the relay and beat) and times
until every order is released. Reported: orders cleared per minute, and the
p50 / p95 of payment → release.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
os.environ.setdefault("SHEQUN_LOG", "WARNING")
os.environ.setdefault("SHEQUN_DEBUG", "0")
DB_URL = os.environ.get("DATABASE_URL",
                        "postgres://postgres@127.0.0.1:5432/shequn_bench_clear")
os.environ["DATABASE_URL"] = DB_URL
TOKEN = f"bench-{uuid.uuid4().hex}"
WORK = Path(tempfile.mkdtemp(prefix="shequn-bench-clear-"))
os.environ["SHEQUN_VAR_DIR"] = str(WORK)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SIM_PORT, WEB_PORT = _free_port(), _free_port()
os.environ.update(SHEQUN_CUSTOMS_GATEWAY=f"http://127.0.0.1:{SIM_PORT}/ceb",
                  SHEQUN_CUSTOMS_RECEIPT_TOKEN=TOKEN)


def _create_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _keys() -> tuple[str, str]:
    from shequn.customs.ceb import signing

    key, cert = signing.generate_demo_keypair(WORK / "ceb")
    os.environ.update(SHEQUN_CEB_KEY_FILE=str(key), SHEQUN_CEB_CERT_FILE=str(cert))
    return str(key), str(cert)


def _pay_orders(n: int) -> list[str]:
    from stdnum.cn import ric

    from shequn.accounts.models import User
    from shequn.catalog.models import Organization, PositiveListLine, Product
    from shequn.catalog.services import create_sku
    from shequn.checkout import identities
    from shequn.checkout.models import Cart, CartLine
    from shequn.checkout.services import place_order
    from shequn.inventory import services as inventory
    from shequn.inventory.models import Warehouse
    from shequn.payments import services as payments

    brand = Organization.objects.create(kind="brand", name="bench brand")
    seller = Organization.objects.create(kind="ebc", name="bench seller",
                                         customs_code="3301964J31")
    PositiveListLine.objects.get_or_create(tariff_line="19011010",
                                           defaults={"description": "婴幼儿配方奶粉"})
    product = Product.objects.create(brand=brand, seller=seller, name="基准测试奶粉",
                                     origin_country="601")
    sku = create_sku(product=product, code="BENCH-CLEAR-1", gtin="6901234567892",
                     gmodel="bench|900g", hs_code="1901101010", unit="122",
                     legal_unit1="035", legal_qty1_per_unit=Decimal("0.9"),
                     net_weight_kg=Decimal("0.9"), gross_weight_kg=Decimal("1.1"),
                     price=Decimal("198.00"))
    wh = Warehouse.objects.create(code="BWCLEAR", name="bench bonded", kind="bonded",
                                  trade_mode="1210", customs_code="2991",
                                  area_code="3301900001", ems_no="T2991W000001")
    inventory.receive(warehouse=wh, sku=sku, lot="L1", expiry=None, qty=n)
    numbers = []
    for i in range(n):
        user = User.objects.create(username=f"clear{i}")
        body = f"3301061985{(i // 28) % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
        ident = identities.add_identity(user, "张三", body + ric.calc_check_digit(body + "0"),
                                        f"139{i:08d}")
        addr = identities.add_address(user, "张三", f"139{i:08d}", "浙江省", "杭州市", "西湖区",
                                      "330106", "文三路 1 号")
        cart = Cart.objects.create(user=user)
        CartLine.objects.create(cart=cart, sku=sku, qty=1, unit_price=sku.price)
        [order] = place_order(user=user, cart=cart, identity_id=ident.pk, address_id=addr.pk,
                              expected_version=None)
        payments.start_payment(user, order.checkout_id)
        payments.simulate_payment(user, order.checkout_id)
        numbers.append(order.number)
    return numbers


def _spawn(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_http(url: str, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    _create_database()
    _, cert = _keys()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    numbers = _pay_orders(args.orders)

    from django.db import connection

    from shequn.orders.models import Order

    shequn = str(ROOT / ".venv" / "bin" / "shequn")
    queue = f"shequn-bench-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, SHEQUN_CELERY_QUEUE=queue, SHEQUN_BEAT_INTERVAL="5",
               PYTHONPATH=str(ROOT / "src"))
    procs = [
        _spawn([shequn, "customs-sim", "--port", str(SIM_PORT), "--callback",
                f"http://127.0.0.1:{WEB_PORT}/api/v1/customs/receipts",
                "--callback-token", TOKEN, "--trusted-cert", cert], WORK / "sim.log", env),
        _spawn([shequn, "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload", "--skip-checks"],
               WORK / "web.log", env),
    ]
    try:
        _wait_http(f"http://127.0.0.1:{SIM_PORT}/health", 30)
        _wait_http(f"http://127.0.0.1:{WEB_PORT}/api/openapi.json", 30)
        started = time.monotonic()
        procs.append(_spawn([shequn, "worker", "--concurrency", "1", "--relay", "--beat",
                             "--relay-interval", "0.2", "--hostname", f"w1-{queue}"],
                            WORK / "worker1.log", env))
        procs.append(_spawn([shequn, "worker", "--concurrency", "1",
                             "--hostname", f"w2-{queue}"], WORK / "worker2.log", env))
        cleared = 0
        while time.monotonic() - started < args.timeout:
            cleared = Order.objects.filter(number__in=numbers, cleared_at__isnull=False).count()
            if cleared == len(numbers):
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        connection.close()
        waits = sorted((o.cleared_at - o.paid_at).total_seconds()
                       for o in Order.objects.filter(number__in=numbers,
                                                     cleared_at__isnull=False))
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
    result = {
        "orders": len(numbers), "cleared": cleared, "seconds": round(elapsed, 1),
        "cleared_per_minute": round(cleared / elapsed * 60, 1),
        "workers": 2,
        # From payment (before the workers started) to release: includes the wait
        # for the workers to start, so it is an upper bound.
        "p50_paid_to_release_s": round(statistics.median(waits), 1) if waits else None,
        "p95_paid_to_release_s": round(waits[int(len(waits) * 0.95) - 1], 1) if waits else None,
        "logs": str(WORK),
    }
    if args.json:
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
    return 0 if cleared == len(numbers) else 1


if __name__ == "__main__":
    sys.exit(main())
