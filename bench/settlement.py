"""Settlement benchmark (not a test): settle N pending commission lines of
completed orders with one ``settle_due()`` call and report time and memory.

    .venv/bin/python bench/settlement.py --lines 1000000
    ... --lines 1000000 --leaders 20000 --lines-per-order 4 --json

It uses its own PostgreSQL database (dropped and created each run; default
``shequn_bench_settle`` on postgres://postgres@127.0.0.1:5432). The data is
generated set-based from one template order (orders, order lines, commission
lines and their accrual postings, as ``order.paid`` would have made them); the
clock runs only around ``settle_due()``. Max RSS is this process's
(``resource.getrusage``); the work happens in PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--lines", type=int, default=1_000_000)
parser.add_argument("--leaders", type=int, default=20_000)
parser.add_argument("--lines-per-order", type=int, default=4)
parser.add_argument("--db", default="shequn_bench_settle")
parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
parser.add_argument("--json", action="store_true")
args = parser.parse_args()

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ["DATABASE_URL"] = f"{args.server}/{args.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
os.environ.setdefault("SHEQUN_LOG", "WARNING")
os.environ.setdefault("SHEQUN_DEBUG", "0")  # DEBUG would keep every SQL statement

import psycopg  # noqa: E402

with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
    admin.execute(f'CREATE DATABASE "{args.db}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from shequn.accounts.models import User  # noqa: E402
from shequn.catalog.models import SKU, Organization, Product  # noqa: E402
from shequn.commission import selectors, services  # noqa: E402
from shequn.commission.models import CommissionLine, Posting  # noqa: E402
from shequn.core import clock  # noqa: E402
from shequn.inventory.models import Warehouse  # noqa: E402
from shequn.orders.models import Order, OrderLine  # noqa: E402


def log(msg: str) -> None:
    if not args.json:
        print(msg, flush=True)


def columns(model: type) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def generate(n_lines: int, n_leaders: int, per_order: int) -> None:
    n_orders = (n_lines + per_order - 1) // per_order
    now = clock.now()
    brand = Organization.objects.create(kind="brand", name="bench brand")
    seller = Organization.objects.create(kind="ebc", name="bench seller",
                                         customs_code="3301964J31")
    product = Product.objects.create(brand=brand, seller=seller, name="基准商品",
                                     origin_country="116")
    sku = SKU.objects.create(product=product, code="BENCH1", gtin="6900000000017",
                             gmodel="bench|50ml", hs_code="3304990099", unit="142",
                             legal_unit1="035", legal_qty1_per_unit=Decimal("0.05"),
                             net_weight_kg=Decimal("0.05"), gross_weight_kg=Decimal("0.1"),
                             price=Decimal("298.00"))
    wh = Warehouse.objects.create(code="BWBENCH", name="bench bonded", kind="bonded",
                                  trade_mode="1210", customs_code="2991")
    buyer = User.objects.create(username="bench-buyer")
    template = Order.objects.create(
        number="T0", checkout_id="00000000-0000-0000-0000-000000000000", user=buyer,
        seller=seller, warehouse=wh, trade_mode="1210", state="completed",
        buyer_name="张三", buyer_id_enc="x", buyer_id_hash="x", buyer_id_masked="1****1",
        buyer_phone_enc="x", buyer_phone_masked="139****0000", consignee="张三",
        consignee_phone_enc="x", consignee_phone_masked="139****0000", province="浙江省",
        city="杭州市", district="西湖区", district_code="330106", address_detail="文三路",
        goods_value=Decimal("1192.00"), actual_paid=Decimal("1192.00"),
        tax_regime="cbec", quota_year=now.year, created_at=now, expires_at=now,
        paid_at=now, completed_at=now)
    OrderLine.objects.create(order=template, gnum=1, sku=sku, name="基准商品",
                             gmodel="bench|50ml", qty=1, unit_price=Decimal("298.00"),
                             total_price=Decimal("298.00"), goods_value=Decimal("298.00"))
    user_t = User._meta.db_table
    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute(f"""
            INSERT INTO {user_t} (password, is_superuser, username, first_name, last_name,
                email, is_staff, is_active, date_joined, phone_enc, phone_hash,
                phone_masked, display_name)
            SELECT '!', false, 'bench-leader-' || g, '', '', '', false, true, %s, '', '', '',
                   ''
            FROM generate_series(1, %s) g""", [now, n_leaders])
        cur.execute(f"SELECT min(id) FROM {user_t} WHERE username LIKE 'bench-leader-%%'")
        first_leader = cur.fetchone()[0]
        order_t, line_t = Order._meta.db_table, OrderLine._meta.db_table
        subst = {"id": "gen_random_uuid()", "number": "'B' || g",
                 "checkout_id": "gen_random_uuid()",
                 "leader_id": f"{first_leader} + (g %% {n_leaders})"}
        cols = columns(Order)
        cur.execute(
            f"INSERT INTO {order_t} ({', '.join(cols)}) "
            f"SELECT {', '.join(subst.get(c, 't.' + c) for c in cols)} "
            f"FROM {order_t} t, generate_series(1, %s) g WHERE t.number = 'T0'", [n_orders])
        lcols = [c for c in columns(OrderLine) if c != "id"]
        lsubst = {"order_id": "o.id", "gnum": "k"}
        cur.execute(
            f"INSERT INTO {line_t} ({', '.join(lcols)}) "
            f"SELECT {', '.join(lsubst.get(c, 't.' + c) for c in lcols)} "
            f"FROM {line_t} t, {order_t} o, generate_series(1, %s) k "
            f"WHERE t.order_id = %s AND o.number LIKE 'B%%'",
            [per_order, template.pk])
        log(f"  orders + lines: {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        line_c = CommissionLine._meta.db_table
        cur.execute(f"""
            INSERT INTO {line_c} (order_id, order_line_id, leader_id, product_id, plan_id,
                level, kind, rate, fixed_amount, qty, base, amount, reversed_amount,
                clawed_amount, state, created_at)
            SELECT o.id, ol.id, o.leader_id, %s, NULL, 1, 'rate', 0.1, 0, ol.qty,
                   ol.goods_value, round(ol.goods_value * 0.1, 2), 0, 0, 'pending', %s
            FROM {line_t} ol JOIN {order_t} o ON o.id = ol.order_id
            WHERE o.number LIKE 'B%%'
            ORDER BY ol.id LIMIT %s""", [product.pk, now, n_lines])
        post_t = Posting._meta.db_table
        cur.execute(f"""
            INSERT INTO {post_t} (entry, seq, kind, account, leader_id, amount, at,
                                  commission_line_id)
            SELECT 'accrue:' || c.id, s.seq, 'accrue',
                   CASE s.seq WHEN 1 THEN 'expense' ELSE 'pending' END, c.leader_id,
                   CASE s.seq WHEN 1 THEN c.amount ELSE -c.amount END, %s, c.id
            FROM {line_c} c, (VALUES (1), (2)) s(seq)""", [now])
        log(f"  commission lines + accrual postings: {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def main() -> int:
    log(f"database {args.db}: migrating")
    call_command("migrate", verbosity=0)
    log(f"generating {args.lines:,} pending lines ({args.leaders:,} leaders)")
    generate(args.lines, args.leaders, args.lines_per_order)
    due = CommissionLine.objects.filter(state="pending").count()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    run = services.settle_due()
    elapsed = time.perf_counter() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert run is not None
    t1 = time.perf_counter()
    again = services.settle_due(record_empty=True)
    second = time.perf_counter() - t1
    assert again is not None and again.lines_settled == 0
    settled = CommissionLine.objects.filter(state="settled").count()
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(SUM(available), 0) FROM commission_leaderbalance")
        balance_total = cur.fetchone()[0]
    unbalanced = len(selectors.unbalanced_entries())
    result = {
        "lines_due": due, "lines_settled": run.lines_settled, "leaders": run.leaders,
        "total": str(run.total), "seconds": round(elapsed, 2),
        "lines_per_second": round(run.lines_settled / elapsed),
        "max_rss_mb": round(rss_kb / 1024, 1),
        "max_rss_before_mb": round(rss_before / 1024, 1),
        "second_run_seconds": round(second, 2), "second_run_settled": again.lines_settled,
        "settled_rows": settled, "balance_rows_total": str(balance_total),
        "unbalanced_entries": unbalanced,
        "ok": (run.lines_settled == due == settled and balance_total == run.total
               and unbalanced == 0 and elapsed <= 60 and rss_kb < 1024 * 1024),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>22}: {v}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
