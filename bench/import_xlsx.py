"""XLSX import benchmark (not a test): write a workbook of N SKUs (10 per product)
and time the whole import as the brand console runs it: the upfront check of the file
(``start_import``: format, header, row count, formulas) and the background job
(``run_import``: every row through the console's validators, then one transaction).

    .venv/bin/python bench/import_xlsx.py --skus 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn_bench \\
        .venv/bin/python bench/import_xlsx.py --skus 10000 --json

The database is migrated; the benchmark adds its own brand, seller and positive-list
line each run (the SKU codes are fresh, so it can run again on the same database).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
os.environ.setdefault("SHEQUN_LOG", "WARNING")
os.environ.setdefault("SHEQUN_DEBUG", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from stdnum import ean  # noqa: E402

from shequn.catalog import spreadsheet_io  # noqa: E402
from shequn.catalog.models import SKU, ImportJob, Organization, PositiveListLine  # noqa: E402


def _gtin(n: int) -> str:
    body = f"69{n:010d}"
    return body + ean.calc_check_digit(body)


def build(skus: int, seller_code: str, run: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("products")
    ws.append(list(spreadsheet_io.COLUMNS))
    for i in range(skus):
        row = dict(zip(spreadsheet_io.COLUMNS, [
            f"{run}-{i // 10}", "", seller_code, f"基准商品{i // 10}", f"Bench {i // 10}",
            "", "", "116", "", f"B{run}{i:07d}", _gtin(i), f"基准|规格{i}|30ml", "30 ml",
            "3304990099", "142", "035", "0.05", "", "", "0.05", "0.12", "30", "ml",
            "0.13", "0.15", "high_end_cosmetics", "0", "false", "199.00", "false"], strict=True))
        ws.append([row[c] for c in spreadsheet_io.COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:6]
    brand = Organization.objects.create(kind="brand", name=f"基准品牌{run}", code=f"bb-{run}")
    seller = Organization.objects.create(kind="ebc", name=f"基准电商{run}", code=f"be-{run}")
    PositiveListLine.objects.update_or_create(tariff_line="33049900",
                                              defaults={"description": "美容品"})
    data = build(args.skus, seller.code or "", run)
    t0 = time.perf_counter()
    job = spreadsheet_io.start_import(brand, None, data, "bench.xlsx")
    t1 = time.perf_counter()
    done = spreadsheet_io.run_import(job.pk)
    t2 = time.perf_counter()
    assert done is not None
    if done.state != ImportJob.State.DONE:
        print(json.dumps(done.errors[:5], ensure_ascii=False), file=sys.stderr)
        return 1
    created = SKU.objects.filter(product__brand=brand).count()
    result = {"skus": args.skus, "file_bytes": len(data), "check_s": round(t1 - t0, 2),
              "job_s": round(t2 - t1, 2), "total_s": round(t2 - t0, 2),
              "skus_per_s": round(args.skus / (t2 - t0), 1), "created": created,
              "database": django.db.connection.vendor}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.skus} SKUs ({len(data) // 1024} KiB) on {result['database']}: "
              f"file check {result['check_s']} s, job {result['job_s']} s, "
              f"total {result['total_s']} s ({result['skus_per_s']} SKUs/s); "
              f"{created} created")
    return 0 if created == args.skus else 1


if __name__ == "__main__":
    raise SystemExit(main())
