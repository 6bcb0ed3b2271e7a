"""Warehouse staff code goods at inbound: from the ASN page, a batch for one of
its lines (job with progress, CSV and label sheets); then scanning a printed
carton label receives its units. Staff of another operator see none of it."""

from __future__ import annotations

import csv
import io

import pytest

from shequn.catalog.models import Organization
from shequn.core import outbox
from shequn.trace import gs1
from shequn.trace.models import Carton, CodeBatch, UnitCode
from tests.builders.catalog import make_gtin, make_org
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def asn():
    brand = make_org(Organization.Kind.BRAND)
    operator, warehouse = operated_warehouse()
    sku = brand_sku(brand, gtin=make_gtin())
    asn = make_asn(brand, warehouse, [(sku, "L3301", 5)])
    asn.staff = staff(operator)  # type: ignore[attr-defined]
    return asn


def test_staff_code_an_asn_line_and_receive_by_scanning_the_carton(client, asn):
    client.force_login(asn.staff)
    page = client.get(f"/warehouse/asn/{asn.pk}/").content.decode()
    assert 'id="asn-generate-codes"' in page
    line = asn.lines.get()
    resp = client.post(f"/warehouse/asn/{asn.pk}/codes/", {"line": line.pk, "per_carton": "5"})
    assert resp.status_code == 302
    batch = CodeBatch.objects.get()
    assert (batch.org_id, batch.asn_id, batch.lot, batch.quantity) == (
        asn.owner_id, asn.pk, "L3301", 5)
    progress = client.get(resp["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'id="codes-progress"' in progress and "hx-get" in progress
    outbox.drain()
    done = client.get(resp["Location"]).content.decode()
    assert 'data-testid="codes-csv"' in done
    body = b"".join(client.get(f"/warehouse/codes/{batch.pk}/codes.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert len(rows) == 6
    assert gs1.read(rows[1][4]).lot == "L3301"
    pdf = client.get(f"/warehouse/codes/{batch.pk}/labels.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    cartons = client.get(f"/warehouse/codes/{batch.pk}/cartons.pdf")
    assert cartons.status_code == 200 and cartons.content.startswith(b"%PDF")
    assert 'data-testid="codes-cartons"' in done
    assert str(batch.pk) in client.get(f"/warehouse/asn/{asn.pk}/").content.decode()

    carton = Carton.objects.get(batch=batch)
    resp = client.post(f"/warehouse/asn/{asn.pk}/scan/", {"code": carton.sscc},
                       HTTP_HX_REQUEST="true")
    assert resp.status_code == 200, resp.content
    assert UnitCode.objects.filter(batch=batch, warehouse__isnull=False).count() == 5
    line.refresh_from_db()
    assert line.counted == 5


def test_other_operators_staff_cannot_code_or_see(client, asn):
    other_operator, _ = operated_warehouse()
    client.force_login(staff(other_operator))
    resp = client.post(f"/warehouse/asn/{asn.pk}/codes/", {"line": asn.lines.get().pk})
    assert resp.status_code == 302 and CodeBatch.objects.count() == 0
    client.force_login(asn.staff)
    client.post(f"/warehouse/asn/{asn.pk}/codes/", {"line": asn.lines.get().pk})
    batch = CodeBatch.objects.get()
    client.force_login(staff(other_operator))
    for path in (f"/warehouse/codes/{batch.pk}/", f"/warehouse/codes/{batch.pk}/codes.csv",
                 f"/warehouse/codes/{batch.pk}/labels.pdf",
                 f"/warehouse/codes/{batch.pk}/cartons.pdf"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("data", [{"quantity": "0"}, {"per_carton": "-1"}, {"line": "999999"},
                                  {"line": "x"}])
def test_bad_requests_store_nothing_and_say_why(client, asn, data):
    client.force_login(asn.staff)
    form = {"line": asn.lines.get().pk, **data}
    resp = client.post(f"/warehouse/asn/{asn.pk}/codes/", form, follow=True)
    assert CodeBatch.objects.count() == 0
    assert b'class="messages"' in resp.content
