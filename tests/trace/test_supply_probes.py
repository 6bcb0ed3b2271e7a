"""Probes of the supply side's traceability pages as warehouse staff would use
them (and misuse them): unreadable scans, stock destroyed or returns inspected
on the stock pages, codes asked twice for one ASN line."""

from __future__ import annotations

import pytest

from shequn.trace import gs1
from shequn.trace.models import UnitCode
from tests.builders.trace import Setup, received

pytestmark = pytest.mark.django_db
U = UnitCode.State

# A Digital Link whose host is a broken IPv6 literal: urlsplit raises ValueError.
BROKEN_URL = "https://[::1/01/09506000134352/21/A"


def test_a_url_that_does_not_split_is_a_code_error():
    with pytest.raises(gs1.CodeError):
        gs1.read(BROKEN_URL)
    with pytest.raises(gs1.CodeError):
        gs1.read("HTTPS://[::1/00/106141411234567897")


def test_an_unsplittable_url_scanned_at_receiving_is_refused_not_a_500(client):
    s = Setup(qty=2, per_carton=0)
    client.force_login(s.staff)
    resp = client.post(f"/warehouse/asn/{s.asn.pk}/scan/", {"code": BROKEN_URL},
                       HTTP_HX_REQUEST="true")
    assert resp.status_code == 422
    assert s.asn.lines.get().counted == 0


def test_an_unsplittable_url_scanned_at_packing_is_refused_not_a_500(client):
    s = received(2, 0)
    order = s.order(qty=1)
    client.force_login(s.staff)
    resp = client.post(f"/warehouse/out/pack/{order.pk}/scan/", {"code": BROKEN_URL})
    assert resp.status_code == 422
    assert not UnitCode.objects.filter(order_line__order=order).exists()
