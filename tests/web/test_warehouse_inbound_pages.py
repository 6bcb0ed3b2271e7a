"""Warehouse inbound pages: receiving by scanning (htmx), counts, completion into
stock; another operator's staff see nothing of this warehouse; the brand console
shows the organization's own stock and ASNs only."""

from __future__ import annotations

import pytest

from shequn.accounts import roles
from shequn.inventory.models import Stock
from shequn.logistics.models import ASN
from tests.builders import make_org, make_stock
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    brand = make_org()
    op, wh = operated_warehouse()
    sku = brand_sku(brand)
    asn = make_asn(brand, wh, [(sku, "WL1", 3)])
    return brand, op, wh, sku, asn


def test_receive_by_scanning_and_complete(client, setup):
    brand, op, wh, sku, asn = setup
    client.force_login(staff(op))
    home = client.get("/warehouse/")
    assert home.status_code == 200 and asn.number in home.content.decode()
    page = client.get(f"/warehouse/asn/{asn.pk}/")
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    for _ in range(2):
        r = client.post(f"/warehouse/asn/{asn.pk}/scan/", {"code": sku.gtin},
                        HTTP_HX_REQUEST="true")
        assert r.status_code == 200
    assert 'id="asn-lines"' in r.content.decode()
    bad = client.post(f"/warehouse/asn/{asn.pk}/scan/", {"code": "000"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    line = asn.lines.get()
    assert line.counted == 2
    client.post(f"/warehouse/asn/{asn.pk}/lines/{line.pk}/",
                {"counted": "2", "damaged": "0", "reason": "少一件"})
    r = client.post(f"/warehouse/asn/{asn.pk}/complete/")
    assert r.status_code == 302
    asn.refresh_from_db()
    assert asn.status == ASN.Status.RECEIVED
    assert Stock.objects.get(sku=sku, warehouse=wh).on_hand == 2
    # The brand sees the receipt and its discrepancy.
    client.force_login(staff(brand, roles.BRAND_STAFF))
    page = client.get(f"/brand/stock/asns/{asn.pk}/").content.decode()
    assert "少一件" in page and "WL1" in page


def test_other_operators_staff_see_nothing(client, setup):
    brand, op, wh, sku, asn = setup
    other_op, _ = operated_warehouse()
    client.force_login(staff(other_op))
    assert asn.number not in client.get("/warehouse/").content.decode()
    assert client.get(f"/warehouse/asn/{asn.pk}/").status_code == 404
    assert client.post(f"/warehouse/asn/{asn.pk}/scan/", {"code": sku.gtin}).status_code == 404
    assert client.post(f"/warehouse/asn/{asn.pk}/complete/").status_code == 404
    stock = make_stock(wh, sku, 5)
    assert "WL1" not in client.get("/warehouse/stock/").content.decode()
    r = client.post("/warehouse/stock/adjust/", {"stock": stock.pk, "reason": "found",
                                                 "delta": "1", "note": "x"})
    assert r.status_code == 404
    stock.refresh_from_db()
    assert stock.on_hand == 5
    assert asn.lines.get().counted == 0


def test_buyer_and_brand_staff_are_refused_warehouse_pages(client, setup):
    brand, *_ = setup
    client.force_login(staff(brand, roles.BRAND_STAFF))
    assert client.get("/warehouse/").status_code == 403


def test_brand_sees_only_its_own_stock_and_asns(client, setup):
    brand, op, wh, sku, asn = setup
    make_stock(wh, sku, 7, lot="MINE-1")
    other = make_org()
    other_sku = brand_sku(other)
    make_stock(wh, other_sku, 9, lot="THEIRS-1")
    client.force_login(staff(other, roles.BRAND_ADMIN))
    page = client.get("/brand/stock/").content.decode()
    assert "THEIRS-1" in page and "MINE-1" not in page and asn.number not in page
    assert client.get(f"/brand/stock/asns/{asn.pk}/").status_code == 404
    assert client.post(f"/brand/stock/asns/{asn.pk}/cancel/").status_code == 404
    asn.refresh_from_db()
    assert asn.status == ASN.Status.SUBMITTED


def test_brand_creates_asn_from_the_console(client):
    brand = make_org()
    _, wh = operated_warehouse()
    sku = brand_sku(brand)
    foreign = brand_sku(make_org())
    client.force_login(staff(brand, roles.BRAND_STAFF))
    from tests.builders.inbound import soon

    form = {"warehouse": wh.pk, "expected_date": soon().isoformat(),
            "lines": f"{foreign.code}, L9, 2030-01-01, 5"}
    r = client.post("/brand/stock/asns/new/", form)
    assert r.status_code == 422 and not ASN.objects.exists()
    form["lines"] = f"{sku.gtin}, L9, 2030-01-01, 5\n{sku.code}, L10, , 2"
    r = client.post("/brand/stock/asns/new/", form)
    assert r.status_code == 302
    asn = ASN.objects.get()
    assert asn.owner == brand and asn.lines.count() == 2


def _text_of(html: str, marker: str) -> str:
    """The text of the element whose opening tag holds ``marker``."""
    return html.split(marker, 1)[1].split(">", 1)[1].split("</p>", 1)[0]


def test_asn_form_names_the_line_of_a_quantity_error_by_the_lines_field(client):
    """A bad quantity on the third row was reported with no line at all (a
    negative one) or as a missing field (a word): the error names the row, in
    the page's language, under the lines' field."""
    brand = make_org()
    _, wh = operated_warehouse()
    sku = brand_sku(brand)
    client.force_login(staff(brand, roles.BRAND_STAFF))
    from tests.builders.inbound import soon

    good = f"{sku.code}, L1, 2030-01-01, 5"
    for bad, row in ((f"{sku.code}, L3, 2030-01-01, -5", 3),
                     (f"{sku.code}, L3, 2030-01-01, abc", 3),
                     (f"{sku.code}, L3, 2030-01-01, 0", 3)):
        # A blank row between the lines still counts: the error names the row as typed.
        form = {"warehouse": wh.pk, "expected_date": soon().isoformat(),
                "lines": f"{good}\n\n{bad}"}
        r = client.post("/brand/stock/asns/new/", form, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 422 and not ASN.objects.exists()
        html = r.content.decode()
        assert 'class="c-error" role="alert" data-code' not in html.split("<textarea", 1)[0]
        after_field = html.split("</textarea>", 1)[1]
        assert _text_of(after_field, 'id="lines-error"') == (
            f"Line {row}: Quantities must be whole numbers from 1 to 1,000,000")
        assert 'aria-describedby="lines-error"' in html
        zh = client.post("/brand/stock/asns/new/", form, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "数量必须是 1 到 1,000,000 之间的整数" in _text_of(zh.content.decode(),
                                                              'id="lines-error"')
    # A line refused by the service (the SKU) names its row too, blank rows counted.
    form["lines"] = f"{good}\n\nNOPE, L3, 2030-01-01, 5"
    r = client.post("/brand/stock/asns/new/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert _text_of(r.content.decode(), 'id="lines-error"') == "Line 3: Unknown SKU"


def test_receiving_count_error_is_shown_on_its_line(client, setup):
    brand, op, wh, sku, asn = setup
    other = brand_sku(brand)
    asn = make_asn(brand, wh, [(sku, "WL2", 3), (other, "WL3", 4)])
    second = asn.lines.get(line_no=2)
    client.force_login(staff(op))
    r = client.post(f"/warehouse/asn/{asn.pk}/lines/{second.pk}/",
                    {"counted": "-1", "damaged": "0"}, HTTP_HX_REQUEST="true",
                    HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    html = r.content.decode()
    row = html.split('id="line-2"', 1)[1].split("</tr>", 1)[0]
    assert _text_of(row, 'id="line-error-2"').startswith("Line 2: Counts must be whole numbers")
    assert 'id="line-error-1"' not in html
