"""Probes of the code-batch downloads: another brand's batch by every path
(detail, CSV, label and carton sheets, a guessed or malformed id), the label
range parameters pushed past what a database offset holds, and an ASN line of
another brand named in the batch form."""

from __future__ import annotations

import uuid

import pytest

from shequn.trace import codes
from shequn.trace.models import CodeBatch
from tests.builders.catalog import make_gtin, make_product, make_sku
from tests.builders.console import make_brand

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    found = codes.create_batch(brand.admin, brand.org, sku_id=sku.pk, lot="P1", quantity=30,
                               per_carton=10)
    codes.generate(found.pk)
    return brand, found


@pytest.mark.parametrize("query, code", [
    ("from=100000000000000000000", "trace_bad_label_start"),
    ("first=100000000000000000000", "trace_bad_label_start"),
    ("first=-100000000000000000000&count=24", "trace_bad_label_start"),
    ("from=0", "trace_bad_label_start"),
    ("count=-5", "trace_bad_label_count"),
    ("count=100000000000000000000", None),  # capped at a file's worth
])
def test_label_ranges_beyond_any_offset_are_refused_or_capped(client, batch, query, code):
    brand, found = batch
    client.force_login(brand.staff)
    resp = client.get(f"/brand/codes/{found.pk}/labels.pdf?{query}")
    if code is None:
        assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    else:
        # Refused, never a database error (an offset past bigint was a 500).
        assert resp.status_code == 400 and resp.json()["code"] == code


def test_another_brand_reaches_no_batch_by_id_guessing(client, batch):
    _brand, found = batch
    other = make_brand()
    client.force_login(other.admin)
    for bid in (found.pk, str(found.pk).upper(), uuid.UUID(int=found.pk.int ^ 1), "1",
                "../" + str(found.pk), "%00"):
        for tail in ("", "codes.csv", "labels.pdf", "cartons.pdf"):
            resp = client.get(f"/brand/codes/{bid}/{tail}")
            assert resp.status_code == 404, (bid, tail, resp.status_code)
    # Nor on its own list page.
    assert str(found.pk) not in client.get("/brand/codes/").content.decode()


def test_an_asn_line_of_another_brand_is_refused_in_the_batch_form(client, batch):
    from tests.builders.inbound import make_asn, operated_warehouse

    brand, found = batch
    _op, house = operated_warehouse()
    asn = make_asn(brand.org, house, [(found.sku, "ASNLOT", 5)], actor=brand.admin)
    other = make_brand()
    client.force_login(other.admin)
    before = CodeBatch.objects.count()
    resp = client.post("/brand/codes/", {"asn_line": asn.lines.get().pk, "quantity": "5"})
    assert resp.status_code == 404
    assert CodeBatch.objects.count() == before
