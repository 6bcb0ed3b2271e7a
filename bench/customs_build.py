"""CEB621 build benchmark (not a test): build, sign (RSA-SHA256 XML-DSig) and
validate against the official XSD N inventory lists with random valid data
(1-5 lines each), on one core, and report messages per second.

    .venv/bin/python bench/customs_build.py --messages 10000
    .venv/bin/python bench/customs_build.py --messages 10000 --json
    .venv/bin/python bench/customs_build.py --messages 10000 --unsigned   # no signing

Data is generated before the clock starts; the timed part is ``build_ceb621``
(lxml tree + signature + XSD validation) and serialising to bytes, the work done
per declaration before it goes out. No database, no Django.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shequn.customs.ceb import demo
from shequn.customs.ceb.messages import build_ceb621, to_bytes
from shequn.customs.ceb.signing import RsaSha256Signer, generate_demo_keypair


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=621)
    ap.add_argument("--unsigned", action="store_true",
                    help="skip signing (checked against the schema minus ds:Signature)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as keydir:
        signer = None if args.unsigned else RsaSha256Signer.from_files(
            *generate_demo_keypair(keydir))
    transfer = demo.transfer()
    inventories = []
    for i in range(args.messages):
        order = demo.order(f"SQ{args.seed:04d}{i:010d}", lines=rng.randint(1, 5), rng=rng,
                           buyer_id=demo.id_number(f"{rng.randint(110101, 659004)}"
                                                   f"{rng.randint(1960, 2005)}0101"
                                                   f"{rng.randint(100, 999)}"))
        inventories.append(demo.inventory(order, demo.waybill(order)))
    build_ceb621(inventories[:1], transfer, signer=signer)  # warm the schema cache

    lat: list[float] = []
    total_bytes = 0
    started = time.perf_counter()
    for inv in inventories:
        t0 = time.perf_counter()
        total_bytes += len(to_bytes(build_ceb621([inv], transfer, signer=signer)))
        lat.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    lat.sort()
    result = {
        "messages": args.messages,
        "signed": signer is not None,
        "seconds": round(elapsed, 3),
        "messages_per_s": round(args.messages / elapsed, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 3),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 3),
        "avg_bytes": round(total_bytes / args.messages),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['messages']} CEB621 built{' + signed' if result['signed'] else ''}"
              f" + XSD-validated in {result['seconds']} s: "
              f"{result['messages_per_s']} messages/s (p50 {result['p50_ms']} ms, "
              f"p99 {result['p99_ms']} ms, {result['avg_bytes']} bytes avg)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
