"""Warehouse outbound forms posting an order id that is not a UUID (a tampered
or truncated form): the lookup raised ValidationError (500) on a new pick list
and on a new zone exit. It is outbound_order_not_found (404) and nothing is
written."""

from __future__ import annotations

import pytest

from shequn.logistics.models import PickList, ZoneExit
from tests.builders.inbound import operated_warehouse, staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("url", "extra"), [("/warehouse/out/pick/", {}),
                                            ("/warehouse/out/exit/", {"vehicle": "沪A12345"})])
def test_an_order_id_that_is_not_a_uuid_is_not_found(client, url, extra):
    op, wh = operated_warehouse()
    client.force_login(staff(op))
    r = client.post(url, {"warehouse": wh.pk, "order": ["abc", "1"], **extra})
    assert r.status_code == 404
    assert not PickList.objects.exists() and not ZoneExit.objects.exists()
