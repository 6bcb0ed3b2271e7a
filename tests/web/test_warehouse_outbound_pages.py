"""Warehouse outbound pages, the carrier push endpoint and the buyer's tracking."""

from __future__ import annotations

import json

import pytest

from shequn.logistics import outbound
from shequn.logistics.carriers import sf
from shequn.logistics.models import PushLog, Shipment
from shequn.orders.models import Order
from tests.builders.buying import place_paid_order
from tests.builders.catalog import make_sku, make_stock, make_warehouse
from tests.builders.outbound import make_warehouse_operator, make_warehouse_staff, released
from tests.builders.people import make_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    house = make_warehouse(operator=make_warehouse_operator())
    sku = make_sku(price="99.00")
    make_stock(house, sku, 5)
    order = released(place_paid_order(make_buyer(), sku))
    return house, order, make_warehouse_staff(house.operator)


def test_staff_pick_pack_exit_and_ship_through_the_pages(client, setup):
    house, order, staff = setup
    client.force_login(staff)
    page = client.get("/warehouse/out/")
    assert page.status_code == 200 and order.number.encode() in page.content
    resp = client.post("/warehouse/out/pick/", {"warehouse": house.pk, "order": [order.pk]})
    assert resp.status_code == 302
    pick_url = resp["Location"]
    assert b"LOT" in client.get(pick_url).content
    client.post(pick_url + "done/")
    assert client.post(f"/warehouse/out/pack/{order.pk}/", {"weight": "abc"}).status_code == 422
    assert client.post(f"/warehouse/out/pack/{order.pk}/", {"weight": "0.8"}).status_code == 302
    shipment = Shipment.objects.get(order=order)
    label = client.get(f"/warehouse/out/label/{order.pk}.pdf")
    assert label.status_code == 200 and label["Content-Type"] == "application/pdf"
    assert shipment.waybill_no.encode() in b"".join(label.streaming_content)
    resp = client.post("/warehouse/out/exit/", {"warehouse": house.pk, "order": [order.pk],
                                                "vehicle": "浙B54321", "bind_type": "2"})
    assert resp.status_code == 302
    exit_page = client.get(resp["Location"])
    assert shipment.waybill_no.encode() in exit_page.content
    client.post(resp["Location"] + "ship/")
    assert Order.objects.get(pk=order.pk).state == Order.State.SHIPPED


def test_staff_of_another_operator_see_and_act_on_nothing(client, setup):
    house, order, _ = setup
    client.force_login(make_warehouse_staff(make_warehouse_operator()))
    assert order.number.encode() not in client.get("/warehouse/out/").content
    assert client.post("/warehouse/out/pick/", {"warehouse": house.pk,
                                                "order": [order.pk]}).status_code == 404
    assert client.post(f"/warehouse/out/pack/{order.pk}/", {"weight": "1"}).status_code == 404
    assert client.get(f"/warehouse/out/label/{order.pk}.pdf").status_code == 404
    client.force_login(order.user)
    assert client.get("/warehouse/out/").status_code == 403


def test_push_endpoint_needs_the_token_and_acks_exactly(client, setup, settings):
    _, order, staff = setup
    shipment = outbound.ensure_waybill(order.pk)
    body = json.dumps({"Body": {"WaybillRoute": [{
        "id": "9001", "mailno": shipment.waybill_no, "orderid": order.number,
        "acceptTime": "2026-11-26 09:00:00", "acceptAddress": "宁波市",
        "remark": "顺丰速运 已收取快件", "opCode": "50"}]}}, ensure_ascii=False)
    token = settings.SHEQUN["CARRIER_PUSH_TOKEN"]
    assert client.post("/warehouse/out/carrier-push/wrong/", body,
                       content_type="application/json").status_code == 404
    resp = client.post(f"/warehouse/out/carrier-push/{token}/", body,
                       content_type="application/json")
    assert resp.status_code == 200 and json.loads(resp.content) == sf.PUSH_ACK_OK
    assert resp.content.decode() == json.dumps(sf.PUSH_ACK_OK, ensure_ascii=False)
    bad = client.post(f"/warehouse/out/carrier-push/{token}/", b"not json",
                      content_type="application/json")
    assert json.loads(bad.content)["return_code"] == "1000"
    assert PushLog.objects.count() == 2   # both kept raw


def test_buyer_sees_the_timeline_and_confirms_receipt(client, setup):
    house, order, staff = setup
    outbound.ship_order(staff, order.pk)
    outbound.flush(everything=False)
    client.force_login(order.user)
    page = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'data-testid="logistics"' in page.content
    shipment = Shipment.objects.get(order=order)
    assert shipment.waybill_no.encode() in page.content
    assert b'id="confirm-received"' in page.content
    resp = client.post(f"/orders/{order.number}/received/")
    assert resp.status_code == 302
    assert Order.objects.get(pk=order.pk).state == Order.State.DELIVERED


def test_buyer_card_after_a_manual_delivery_says_delivered_and_who_recorded_it(
        client, setup, django_user_model):
    """The ops console's 已签收 by hand: the buyer's card said 已揽收 (the carrier's
    last event) beside an order that said 已签收. Now it says delivered, names the
    staff's record, and keeps the carrier's events and last status as sent."""
    from django.contrib.auth.models import Group

    from shequn.logistics.models import TrackingEvent
    _, order, staff = setup
    outbound.ship_order(staff, order.pk)
    outbound.flush(everything=False)
    shipment = Shipment.objects.get(order=order)
    assert shipment.state == "picked_up"
    carrier_events = TrackingEvent.objects.filter(shipment=shipment).count()
    assert carrier_events >= 1
    op = django_user_model.objects.create(username="ops-deliver")
    op.groups.add(Group.objects.get_or_create(name="operator")[0])
    client.force_login(op)
    client.post(f"/ops/orders/{order.number}/deliver/", HTTP_HX_REQUEST="true")
    assert Order.objects.get(pk=order.pk).state == Order.State.DELIVERED
    shipment.refresh_from_db()
    assert shipment.state == "picked_up" and shipment.delivered_at is not None
    assert TrackingEvent.objects.filter(shipment=shipment).count() == carrier_events

    client.force_login(order.user)
    for lang, delivered, picked_up, note in (
            # The note's zh-Hans text comes with the catalogue; the labels are there.
            ("zh-hans", "已签收", "已揽收", ""),
            ("en", "Delivered", "Collected by the carrier",
             "Marked as delivered by the platform&#x27;s staff")):
        page = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE=lang)
        html = page.content.decode()
        state = html.split('data-testid="parcel-state">', 1)[1].split("<", 1)[0]
        assert state == delivered
        carrier = html.split('data-testid="carrier-state">', 1)[1].split("<", 1)[0]
        assert carrier == picked_up
        tracking = html.split('data-testid="tracking"', 1)[1].split("</ol>", 1)[0]
        first = tracking.split("<li", 2)[1]
        assert 'class="is-current"' in first and 'data-testid="delivery-record"' in first
        assert delivered in first and note in first
        assert tracking.count("<li") == carrier_events + 1


def test_ops_ship_button_runs_the_warehouse_flow(client, setup, django_user_model):
    from django.contrib.auth.models import Group
    _, order, _ = setup
    op = django_user_model.objects.create(username="ops-ship")
    op.groups.add(Group.objects.get_or_create(name="operator")[0])
    client.force_login(op)
    resp = client.post(f"/ops/orders/{order.number}/ship/", HTTP_HX_REQUEST="true")
    assert resp.status_code in (200, 302)
    shipment = Shipment.objects.get(order=order)
    assert shipment.zone_exit is not None and shipment.label_file
    assert Order.objects.get(pk=order.pk).state == Order.State.SHIPPED


def test_carrier_simulator_control_page_finishes_routes(client, setup):
    _, order, staff = setup
    outbound.ship_order(staff, order.pk)
    client.force_login(staff)
    page = client.get("/warehouse/out/carrier-sim/")
    assert page.status_code == 200
    client.post("/warehouse/out/carrier-sim/", {"action": "finish"})
    assert Order.objects.get(pk=order.pk).state == Order.State.DELIVERED
