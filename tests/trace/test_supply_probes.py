"""Probes of the supply side's traceability pages as warehouse staff would use
them (and misuse them): unreadable scans, stock destroyed or returns inspected
on the stock pages, codes asked twice for one ASN line."""

from __future__ import annotations

import pytest

from shequn.core.errors import DomainError
from shequn.inventory.models import Stock
from shequn.trace import codes, gs1, packing
from shequn.trace.errors import TraceError
from shequn.trace.models import CodeBatch, UnitCode
from tests.builders.inbound import brand_sku, make_asn
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


def test_the_warehouse_codes_an_asn_line_once_even_when_the_form_is_posted_twice(client):
    s = Setup(qty=1, per_carton=0)
    # Goods that came without codes: the warehouse codes them.
    asn = make_asn(s.brand, s.warehouse, [(brand_sku(s.brand), "L2", 4)])
    client.force_login(s.staff)
    line = asn.lines.get()
    for _ in range(2):
        client.post(f"/warehouse/asn/{asn.pk}/codes/", {"line": line.pk})
    assert list(CodeBatch.objects.filter(asn=asn).values_list("quantity", flat=True)) == [4]


def test_no_more_codes_than_the_asn_line_expects():
    s = Setup(qty=4, per_carton=2)  # the brand coded all 4
    line = s.asn.lines.get()
    for qty in (None, 1):
        with pytest.raises(DomainError) as err:
            codes.create_batch(None, s.brand, asn_line_id=line.pk, quantity=qty)
        assert err.value.code == TraceError.LINE_CODED and err.value.status == 409
    assert CodeBatch.objects.count() == 1


def test_a_line_partly_coded_takes_the_rest_and_no_more():
    brand_setup = Setup(qty=1, per_carton=0)
    sku = brand_sku(brand_setup.brand)
    asn = make_asn(brand_setup.brand, brand_setup.warehouse, [(sku, "L9", 5)])
    line = asn.lines.get()
    first = codes.create_batch(None, brand_setup.brand, asn_line_id=line.pk, quantity=3)
    with pytest.raises(DomainError) as err:
        codes.create_batch(None, brand_setup.brand, asn_line_id=line.pk, quantity=3)
    assert err.value.code == TraceError.LINE_CODED
    rest = codes.create_batch(None, brand_setup.brand, asn_line_id=line.pk)
    assert (first.quantity, rest.quantity) == (3, 2)


def test_a_refunded_order_gives_its_scanned_units_back_to_stock():
    from shequn.payments import services as payments
    from tests.builders.console import operator

    s = received(2, 0)
    order = s.order(qty=1)
    unit = s.units()[0]
    packing.scan_unit(s.staff, order.pk, element_string(unit))
    # The operator refunds the paid order before it ships: its stock is restocked.
    payments.refund_order(order.pk, actor=operator(), reason="buyer asked")
    run_all()
    unit.refresh_from_db()
    assert (unit.state, unit.order_line_id, unit.sold_at) == (U.RECEIVED, None, None)
    # The unit on the shelf again is packed into the next order, not "already sold".
    again = s.order(qty=1)
    assert packing.scan_unit(s.staff, again.pk, element_string(unit)).order_line.order_id == \
        again.pk
