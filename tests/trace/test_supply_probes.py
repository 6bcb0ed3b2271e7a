"""Probes of the supply side's traceability pages as warehouse staff would use
them (and misuse them): unreadable scans, stock destroyed or returns inspected
on the stock pages, codes asked twice for one ASN line."""

from __future__ import annotations

import pytest

from shequn.inventory.models import Stock
from shequn.trace import gs1, packing
from shequn.trace.models import UnitCode
from tests.builders.outbound import run_all
from tests.builders.trace import Setup, element_string, received

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


def test_stock_destroyed_on_the_stock_page_destroys_its_units(client):
    s = received(3, 0)
    stock = Stock.objects.get(warehouse=s.warehouse, sku=s.sku)
    client.force_login(s.staff)
    resp = client.post("/warehouse/stock/adjust/", {
        "stock": stock.pk, "reason": "damage", "delta": "-1", "note": "crushed"})
    assert resp.status_code == 302
    assert stock.__class__.objects.get(pk=stock.pk).on_hand == 2
    # The destroyed unit is no longer in stock: it is never packed (sold).
    assert list(UnitCode.objects.filter(batch=s.batch).values_list("state", flat=True)
                .order_by("pk")) == [U.DESTROYED, U.RECEIVED, U.RECEIVED]


def test_a_return_inspected_on_the_page_puts_its_units_back(client):
    s = received(2, 0)
    order = s.order(qty=1)
    unit = s.units()[0]
    packing.scan_unit(s.staff, order.pk, element_string(unit))
    packing.pack(s.staff, order.pk, "0.5")
    from shequn.logistics import outbound

    exit_ = outbound.create_exit(s.staff, s.warehouse, [order.pk], "沪A12345")
    outbound.ship(s.staff, exit_.pk)
    outbound.flush(everything=True)
    run_all()
    from shequn.orders.models import AfterSale, AfterSaleLine

    after_sale = AfterSale.objects.create(order=order, user=order.user, reason="broken",
                                          state=AfterSale.State.APPROVED,
                                          created_at=order.created_at)
    asl = AfterSaleLine.objects.create(after_sale=after_sale, line=order.lines.get(), qty=1)
    client.force_login(s.staff)
    resp = client.post(f"/warehouse/returns/{asl.pk}/inspect/",
                       {"sellable": "1", "damaged": "0"})
    assert resp.status_code == 302
    unit.refresh_from_db()
    # Back in stock, unbound: it may be sold again.
    assert (unit.state, unit.order_line_id, unit.warehouse_id) == (
        U.RECEIVED, None, s.warehouse.pk)
