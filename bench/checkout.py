"""Checkout benchmark (not a test): place one-line orders through the whole
placement (cart check, quote with CBEC tax, stock lock + reservation, quota,
order + lines, outbox) and report throughput and latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench \\
        .venv/bin/python bench/checkout.py --orders 2000 --clients 1
    ... --clients 8 --json

The database is migrated and filled with the benchmark's own data (a fresh
SKU, warehouse and buyers each run). Carts are prepared before the clock
starts; the timed part is ``place_order`` alone, one transaction per order.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
os.environ.setdefault("SHEQUN_LOG", "WARNING")
# Production runs without DEBUG: DEBUG logs every SQL statement (a cost per query).
os.environ.setdefault("SHEQUN_DEBUG", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from stdnum import ean  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from shequn.accounts.models import User  # noqa: E402
from shequn.catalog.models import SKU, Organization, PositiveListLine, Product  # noqa: E402
from shequn.checkout.models import Address, BuyerIdentity, Cart, CartLine  # noqa: E402
from shequn.checkout.services import place_order  # noqa: E402
from shequn.core import pii  # noqa: E402
from shequn.inventory import services as inventory  # noqa: E402
from shequn.inventory.models import Stock, Warehouse  # noqa: E402


def _resident_id(n: int) -> str:
    body = f"110105{19700101 + (n % 28)}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _authorize(brand: Organization, seller: Organization) -> None:
    """The brand authorizes the seller (one active grant) and the chain covers are
    written, as on a real platform; before issue 10 there were no grants (the
    import fails and nothing is done, so this file also benchmarks older code)."""
    try:
        from shequn.brands import chain
        from shequn.brands.models import Grant
    except ImportError:
        return
    today = chain.today()
    Grant.objects.create(brand=brand, grantor=brand, grantee=seller, valid_from=today,
                         valid_to=today.replace(year=today.year + 1),
                         status=Grant.Status.ACTIVE)
    chain.rebuild_brand(brand.pk)


def setup(orders: int, stock: int, skus: int = 1
          ) -> tuple[list[SKU], list[tuple[User, Cart, int, int]]]:
    tag = uuid.uuid4().hex[:8]
    brand = Organization.objects.create(kind="brand", name=f"bench brand {tag}")
    seller = Organization.objects.create(kind="ebc", name=f"bench seller {tag}",
                                         customs_code="3301964J31")
    PositiveListLine.objects.get_or_create(tariff_line="19011010",
                                           defaults={"description": "婴幼儿配方奶粉"})
    product = Product.objects.create(brand=brand, seller=seller, name="基准测试奶粉",
                                     origin_country="601")
    wh = Warehouse.objects.create(code=f"BW{tag}", name="bench bonded", kind="bonded",
                                  trade_mode="1210", customs_code="2991")
    all_skus = []
    for k in range(skus):
        body = f"69{(int(tag, 16) + k) % 10**10:010d}"
        sku = SKU.objects.create(product=product, code=f"B{tag}{k}",
                                 gtin=body + ean.calc_check_digit(body),
                                 gmodel="bench|900g", hs_code="1901101010", unit="122",
                                 legal_unit1="035", legal_qty1_per_unit=Decimal("0.9"),
                                 net_weight_kg=Decimal("0.9"), gross_weight_kg=Decimal("1.1"),
                                 price=Decimal("198.00"))
        inventory.receive(warehouse=wh, sku=sku, lot=f"L{tag}{k}", expiry=None,
                          qty=stock // skus + (1 if k < stock % skus else 0))
        all_skus.append(sku)
    _authorize(brand, seller)
    people = []
    for i in range(orders):
        user = User.objects.create(username=f"bench{tag}{i}")
        id_number = _resident_id(i)
        phone = f"139{i:08d}"
        ident = BuyerIdentity.objects.create(
            user=user, name="张三", id_enc=pii.encrypt(id_number),
            id_hash=pii.lookup_hash(f"{id_number}-{tag}-{i}"), id_masked=pii.mask_id(id_number),
            phone_enc=pii.encrypt(phone), phone_hash=pii.lookup_hash(phone),
            phone_masked=pii.mask_phone(phone))
        addr = Address.objects.create(user=user, consignee="张三", phone_enc=ident.phone_enc,
                                      phone_hash=ident.phone_hash, phone_masked=ident.phone_masked,
                                      province="浙江省", city="杭州市", district="西湖区",
                                      district_code="330106", detail="文三路 1 号")
        cart = Cart.objects.create(user=user)
        sku = all_skus[i % skus]
        CartLine.objects.create(cart=cart, sku=sku, qty=1, unit_price=sku.price)
        people.append((user, cart, ident.pk, addr.pk))
    return all_skus, people


def run(people: list, clients: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    chunks = [people[i::clients] for i in range(clients)]

    def worker(chunk: list) -> None:
        nonlocal failures
        mine: list[float] = []
        bad = 0
        for user, cart, ident, addr in chunk:
            t0 = time.perf_counter()
            try:
                place_order(user=user, cart=cart, identity_id=ident, address_id=addr,
                            expected_version=None)
            except Exception:
                bad += 1
            mine.append(time.perf_counter() - t0)
        connections.close_all()
        with lock:
            latencies.extend(mine)
            failures += bad

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--skus", type=int, default=1,
                        help="orders spread over this many SKUs (1 = one hot SKU)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    # Stock is a little short of demand, so the run also proves no oversell.
    stock = max(1, args.orders - max(1, args.orders // 20))
    skus, people = setup(args.orders + 1, stock, args.skus)

    # Queries of one placement (the first person), outside the timed run.
    user, cart, ident, addr = people.pop()
    with CaptureQueriesContext(connection) as ctx:
        place_order(user=user, cart=cart, identity_id=ident, address_id=addr,
                    expected_version=None)
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    queries = sum(1 for q in ctx.captured_queries if not q["sql"].startswith(control))

    started = time.perf_counter()
    latencies, failures = run(people, args.clients)
    elapsed = time.perf_counter() - started
    rows = list(Stock.objects.filter(sku__in=skus))
    sold = sum(r.reserved for r in rows)
    ms = sorted(x * 1000 for x in latencies)
    result = {
        "database": connection.vendor,
        "orders": len(people),
        "clients": args.clients,
        "placed": len(people) - failures,
        "refused_out_of_stock": failures,
        "orders_per_s": round((len(people) - failures) / elapsed, 1),
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
        "queries_per_order": queries,
        "skus": args.skus,
        "oversold": sold > stock or any(r.reserved > r.on_hand for r in rows),
    }
    if args.json:
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
    return 1 if result["oversold"] else 0


if __name__ == "__main__":
    sys.exit(main())
