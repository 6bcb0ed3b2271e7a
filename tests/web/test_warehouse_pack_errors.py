"""A refused parcel weight or unit scan is shown on the pick / pack page the
worker was on (role=alert next to the field, which keeps the focus), with the
error's 4xx status, and nothing is changed."""

from __future__ import annotations

import re

import pytest

from shequn.logistics.models import Shipment
from shequn.trace.models import UnitCode
from tests.builders.trace import element_string, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def packing_page(client):
    setup = received(4, 0)
    order = setup.order(qty=1)
    shipment = Shipment.objects.get(order=order)
    client.force_login(setup.staff)
    return setup, order, shipment


def _focused(page: str) -> list[str]:
    """The ids of the inputs that take the focus when the page opens."""
    return re.findall(r'<input[^>]*id="([^"]+)"[^>]*\sautofocus', page)


def test_a_bad_weight_is_shown_on_the_pick_page(client, packing_page):
    setup, order, shipment = packing_page
    client.post(f"/warehouse/out/pack/{order.pk}/scan/",
                {"code": element_string(setup.units()[0])})
    resp = client.post(f"/warehouse/out/pack/{order.pk}/", {"weight": "-3"},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 422
    page = resp.content.decode()
    assert "warehouse/out_error.html" not in [t.name for t in resp.templates]
    assert "warehouse/out_pick.html" in [t.name for t in resp.templates]
    alert = re.search(r'<p class="c-error" role="alert" id="pack-error-(\w+)" '
                      r'data-code="outbound_bad_weight">([^<]+)</p>', page)
    assert alert and alert.group(1) == order.number
    assert "weight in kg" in alert.group(2)
    assert _focused(page) == [f"weight-{order.number}"]
    assert 'value="-3"' in page and 'aria-invalid="true"' in page
    shipment.refresh_from_db()
    assert shipment.packed_at is None and shipment.weight_kg is None
    assert not shipment.label_file


def test_a_refused_unit_scan_is_shown_on_the_pick_page(client, packing_page):
    setup, order, shipment = packing_page
    sold = setup.units()[1]   # recalled: may not be sold
    UnitCode.objects.filter(pk=sold.pk).update(state=UnitCode.State.RECALLED)
    resp = client.post(f"/warehouse/out/pack/{order.pk}/scan/",
                       {"code": element_string(sold)}, HTTP_ACCEPT_LANGUAGE="en")
    assert 400 <= resp.status_code < 500
    page = resp.content.decode()
    assert "warehouse/out_pick.html" in [t.name for t in resp.templates]
    assert f'id="pack-error-{order.number}"' in page and 'role="alert"' in page
    assert _focused(page) == [f"unit-scan-{order.number}"]
    assert f'aria-describedby="pack-error-{order.number}"' in page
    assert element_string(sold) in page       # what was refused, named
    assert "0 of 1 units scanned" in page
    assert not UnitCode.objects.filter(order_line__isnull=False).exists()
    assert Shipment.objects.get(pk=shipment.pk).packed_at is None


def test_the_page_in_chinese_by_default(client, packing_page):
    _setup, order, _shipment = packing_page
    resp = client.post(f"/warehouse/out/pack/{order.pk}/", {"weight": "abc"})
    assert resp.status_code == 422
    page = resp.content.decode()
    assert 'data-code="outbound_bad_weight"' in page and "Back to outbound" not in page
