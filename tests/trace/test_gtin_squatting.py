"""A brand whose SKU carries another brand's GTIN (rows from before the
catalog refused it, tests/catalog/test_gtin_of_another_brand.py, or two brands
registering it at the same moment) gains nothing in traceability: the GTIN stays with
the brand that registered it first, as the verify page's reports already had
it. Its EPCIS key sees none of that GTIN's events and may not capture events
about it, and it cannot generate codes that would check as genuine under it."""

from __future__ import annotations

import json

import pytest

from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.trace import codes, gs1
from shequn.trace.epcis import capture
from shequn.trace.errors import TraceError
from shequn.trace.models import CodeBatch, CounterfeitReport
from tests.builders.catalog import make_gtin, make_product, make_sku
from tests.builders.console import key_for, make_brand

pytestmark = pytest.mark.django_db
CTX = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def _doc(epc: str) -> str:
    return json.dumps({"@context": CTX, "type": "EPCISDocument", "schemaVersion": "2.0",
                       "creationDate": "2026-12-01T08:00:00.000Z", "epcisBody": {"eventList": [
                           {"type": "ObjectEvent", "action": "OBSERVE",
                            "eventTime": "2026-12-01T09:00:00.000+08:00",
                            "eventTimeZoneOffset": "+08:00", "epcList": [epc],
                            "bizStep": "destroying"}]}})


@pytest.fixture
def squatted():
    a, b = make_brand(), make_brand()
    gtin = make_gtin()
    sku_a = make_sku(product=make_product(brand=a.org), gtin=gtin)
    # Brand B's SKU with brand A's GTIN, written as GTIN-14 (another spelling).
    sku_b = make_sku(product=make_product(brand=b.org), gtin=gs1.gtin14(gtin))
    return a, b, sku_a, sku_b, gs1.gtin14(gtin)


def test_the_gtin_stays_with_the_brand_that_registered_it_first(squatted):
    a, b, _sku_a, _sku_b, gtin = squatted
    assert gtin in capture.org_gtins(a.org)
    assert gtin not in capture.org_gtins(b.org)


def test_the_second_brands_key_neither_sees_nor_writes_the_gtins_events(client, squatted):
    a, b, _sku_a, _sku_b, gtin = squatted
    _, platform = key_for(None, "epcis")
    _, key_b = key_for(b.org, "epcis")
    urn = gs1.sgtin_urn(gtin, "A1")
    auth = {"content_type": "application/json"}
    assert client.post("/epcis/capture", data=_doc(urn), HTTP_AUTHORIZATION=f"Bearer {platform}",
                       **auth).status_code == 202
    outbox.drain()
    resp = client.get("/epcis/events", {"MATCH_epc": urn}, HTTP_AUTHORIZATION=f"Bearer {key_b}")
    assert resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
    resp = client.post("/epcis/capture", data=_doc(gs1.sgtin_urn(gtin, "A2")),
                       HTTP_AUTHORIZATION=f"Bearer {key_b}", **auth)
    assert resp.status_code == 403


def test_the_second_brand_cannot_make_codes_under_the_gtin(client, squatted):
    a, b, sku_a, sku_b, _gtin = squatted
    with pytest.raises(DomainError) as err:
        codes.create_batch(b.admin, b.org, sku_id=sku_b.pk, lot="FAKE", quantity=5)
    assert err.value.code == TraceError.GTIN_OF_ANOTHER_BRAND
    client.force_login(b.staff)
    resp = client.post("/brand/codes/", {"sku": sku_b.pk, "lot": "FAKE", "quantity": "5"})
    assert resp.status_code == 409
    assert not CodeBatch.objects.filter(org=b.org).exists()
    # Brand A codes its own SKU as ever.
    assert codes.create_batch(a.admin, a.org, sku_id=sku_a.pk, lot="REAL", quantity=5)


def test_a_report_of_the_gtin_goes_to_the_first_brand(client, squatted):
    a, _b, _sku_a, _sku_b, gtin = squatted
    assert client.post("/verify/report/", {"gtin": gtin, "serial": "NOSUCH0000001",
                                           "where": "x"}).status_code == 302
    assert CounterfeitReport.objects.get().brand == a.org
