"""The warehouse scan pages as staff of another warehouse operator would try
them: scanning a unit into a parcel of an order they do not ship, receiving
cartons of an ASN arriving elsewhere, reading the other warehouse's batches.
Nothing is bound, received or shown; the same requests by the warehouse's own
staff succeed (so the refusals are about who asks)."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.trace.models import Carton, UnitCode
from tests.builders.inbound import make_asn, operated_warehouse, staff
from tests.builders.trace import Setup, coded_batch, received, unit_code

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_another_operators_staff_cannot_scan_units_into_this_warehouses_parcel():
    setup = received(3, 0)
    order = setup.order(qty=1)
    unit = setup.units()[0]
    other_op, _house = operated_warehouse()
    outsider = _client(staff(other_op))
    resp = outsider.post(f"/warehouse/out/pack/{order.pk}/scan/", {"code": unit_code(unit)})
    assert resp.status_code == 404
    unit.refresh_from_db()
    assert unit.order_line_id is None and unit.state == UnitCode.State.RECEIVED
    own = _client(setup.staff)
    assert own.post(f"/warehouse/out/pack/{order.pk}/scan/",
                    {"code": unit_code(unit)}).status_code == 302
    unit.refresh_from_db()
    assert unit.order_line is not None and unit.order_line.order_id == order.pk


def test_another_operators_staff_cannot_receive_or_read_this_warehouses_cartons():
    setup = Setup(qty=4, per_carton=2)
    carton = setup.cartons()[0]
    other_op, other_house = operated_warehouse()
    outsider_user = staff(other_op)
    outsider = _client(outsider_user)
    assert outsider.post(f"/warehouse/asn/{setup.asn.pk}/scan/",
                         {"code": carton.sscc}).status_code == 404
    # Nor by scanning it into an ASN of their own (the carton is not on it).
    own_asn = make_asn(setup.brand, other_house, [(setup.sku, "L9", 2)])
    outsider.post(f"/warehouse/asn/{own_asn.pk}/scan/", {"code": carton.sscc})
    carton.refresh_from_db()
    assert carton.warehouse_id is None
    for tail in ("", "codes.csv", "labels.pdf", "cartons.pdf"):
        assert outsider.get(f"/warehouse/codes/{setup.batch.pk}/{tail}").status_code == 404
    # A batch made for their own ASN of the same SKU is theirs to read.
    mine = coded_batch(setup.brand, setup.sku, 2, 0, asn=own_asn, lot="L9")
    assert outsider.get(f"/warehouse/codes/{mine.pk}/").status_code == 200
    assert _client(setup.staff).post(f"/warehouse/asn/{setup.asn.pk}/scan/",
                                     {"code": carton.sscc}).status_code in (200, 302)
    assert Carton.objects.get(pk=carton.pk).warehouse_id == setup.warehouse.pk
