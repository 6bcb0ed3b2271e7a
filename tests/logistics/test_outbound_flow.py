"""The outbound flow end to end on the embedded SF simulator: waybill after
payment (on CEB511), pick (FEFO), pack (label), zone exit, ship, route pushes
(duplicates, reordering), delivery by carrier, buyer or the clock."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group

from shequn.core import clock, envconfig
from shequn.core.errors import DomainError
from shequn.customs.ceb import dxp
from shequn.customs.models import Message
from shequn.logistics import carrier as registry
from shequn.logistics import outbound
from shequn.logistics.carriers import sf
from shequn.logistics.models import PushLog, Shipment, TrackingEvent
from shequn.orders import services as order_services
from shequn.orders.models import Order
from tests.builders.buying import place_paid_order
from tests.builders.catalog import make_sku, make_stock, make_warehouse
from tests.builders.outbound import (
    make_warehouse_operator,
    make_warehouse_staff,
    released,
    run_all,
)
from tests.builders.people import make_buyer

pytestmark = pytest.mark.django_db
S = Order.State


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="ship-op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


@pytest.fixture
def house():
    return make_warehouse(operator=make_warehouse_operator())


@pytest.fixture
def paid(house):
    sku = make_sku(price="128.00")
    make_stock(house, sku, 10)
    return place_paid_order(make_buyer(), sku, qty=2)


def _ship_all(actor, order):
    pick = outbound.create_pick_list(actor, order.warehouse, [order.pk])
    outbound.confirm_picked(actor, pick.pk)
    outbound.pack(actor, order.pk, "1.250")
    exit_ = outbound.create_exit(actor, order.warehouse, [order.pk], "浙B12345")
    outbound.ship(actor, exit_.pk)
    order.refresh_from_db()
    return exit_


def test_ceb511_and_ceb621_carry_the_carriers_waybill(paid):
    run_all()
    shipment = Shipment.objects.get(order=paid)
    assert shipment.waybill_no.startswith("SF") and len(shipment.waybill_no) == 15
    ceb511 = dxp.unwrap(Message.objects.get(kind="CEB511").sent_bytes()).data
    ceb621 = dxp.unwrap(Message.objects.get(kind="CEB621").sent_bytes()).data
    needle = f"<ceb:logisticsNo>{shipment.waybill_no}</ceb:logisticsNo>".encode()
    assert needle in ceb511 and needle in ceb621
    # Asking again (a redelivered event) gives the same waybill, no second order.
    assert outbound.ensure_waybill(paid.pk).waybill_no == shipment.waybill_no
    assert Shipment.objects.count() == 1


def test_ship_refused_before_release(paid, operator):
    outbound.ensure_waybill(paid.pk)
    with pytest.raises(DomainError) as exc:
        outbound.create_pick_list(operator, paid.warehouse, [paid.pk])
    assert exc.value.code == "outbound_not_released"
    with pytest.raises(DomainError) as exc:
        outbound.ship_order(operator, paid.pk)
    assert exc.value.code == "not_cleared"
    assert Order.objects.get(pk=paid.pk).state == S.PAID


def test_pick_list_in_fefo_order(house, operator):
    sku = make_sku(price="50.00")
    make_stock(house, sku, 2, lot="LATE", expiry=dt.date(2031, 1, 1))
    make_stock(house, sku, 2, lot="EARLY", expiry=dt.date(2029, 1, 1))
    make_stock(house, sku, 2, lot="MID", expiry=dt.date(2030, 1, 1))
    order = released(place_paid_order(make_buyer(), sku, qty=5))
    pick = outbound.create_pick_list(operator, house, [order.pk])
    lines = list(pick.lines.select_related("batch").order_by("seq"))
    assert [(ln.batch.lot, ln.qty) for ln in lines] == [("EARLY", 2), ("MID", 2), ("LATE", 1)]
    with pytest.raises(DomainError) as exc:
        outbound.create_pick_list(operator, house, [order.pk])
    assert exc.value.code == "outbound_already_picking"


def test_pack_prints_label_with_the_waybill_then_exit_and_ship(paid, operator):
    order = released(paid)
    pick = outbound.create_pick_list(operator, order.warehouse, [order.pk])
    with pytest.raises(DomainError) as exc:
        outbound.pack(operator, order.pk, "1.2")
    assert exc.value.code == "outbound_not_picked"
    outbound.confirm_picked(operator, pick.pk)
    for bad in ("0", "-1", "abc", "31", "NaN"):
        with pytest.raises(DomainError):
            outbound.pack(operator, order.pk, bad)
    shipment = outbound.pack(operator, order.pk, "1.25")
    pdf = shipment.label_file.open("rb").read()
    assert pdf.startswith(b"%PDF") and shipment.waybill_no.encode() in pdf
    exit_ = outbound.create_exit(operator, order.warehouse, [order.pk], " 浙b 12345 ")
    assert exit_.io_type == "E" and exit_.vehicle_no == "浙B 12345"
    assert exit_.total_gross_kg == shipment.weight_kg
    outbound.ship(operator, exit_.pk)
    order.refresh_from_db()
    exit_.refresh_from_db()
    assert order.state == S.SHIPPED and exit_.gate_status == "2"
    with pytest.raises(DomainError):
        outbound.ship(operator, exit_.pk)


def test_route_pushes_deliver_the_order_once(paid, operator):
    order = released(paid)
    _ship_all(operator, order)
    assert order.state == S.SHIPPED
    outbound.flush(everything=True)
    order.refresh_from_db()
    shipment = Shipment.objects.get(order=order)
    assert order.state == S.DELIVERED and shipment.state == "delivered"
    assert shipment.delivered_at is not None and order.delivered_at is not None
    ops = list(TrackingEvent.objects.filter(shipment=shipment).values_list("op_code", flat=True))
    assert ops == ["54", "50", "30", "36", "31", "44", "80"]
    assert PushLog.objects.filter(ok=True).count() == 7
    # A replay of a push changes nothing.
    first_delivered = order.delivered_at
    body = PushLog.objects.order_by("-pk").first().body.encode()
    ack, _ = outbound.receive_push(body)
    assert json.loads(ack) == sf.PUSH_ACK_OK
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 7
    order.refresh_from_db()
    assert order.delivered_at == first_delivered


def test_duplicate_and_reordered_pushes(paid, operator):
    order = released(paid)
    shipment = outbound.ensure_waybill(order.pk)
    registry.with_sim(lambda sim: sim.scenario(shipment.waybill_no, "duplicate"))
    _ship_all(operator, order)
    outbound.flush(everything=True)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 7
    assert PushLog.objects.count() == 14
    # Reordered: "in transit" arriving after "out for delivery" does not move back.
    late = {"Body": {"WaybillRoute": [{"id": "X1", "mailno": shipment.waybill_no,
                                       "acceptTime": "2020-01-01 00:00:00", "opCode": "30",
                                       "remark": "late"}]}}
    outbound.receive_push(json.dumps(late).encode())
    shipment.refresh_from_db()
    assert shipment.state == "delivered"


def test_reorder_scenario_out_for_delivery_after_delivered(house, operator):
    sku = make_sku(price="60.00")
    make_stock(house, sku, 3)
    order = released(place_paid_order(make_buyer(), sku))
    shipment = outbound.ensure_waybill(order.pk)
    registry.with_sim(lambda sim: sim.scenario(shipment.waybill_no, "reorder"))
    _ship_all(operator, order)
    outbound.flush(everything=True)
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.state == "delivered" and order.state == S.DELIVERED


def test_exception_and_lost_scenarios_leave_the_order_shipped(house, operator):
    sku = make_sku(price="60.00")
    make_stock(house, sku, 3)
    order = released(place_paid_order(make_buyer(), sku))
    shipment = outbound.ensure_waybill(order.pk)
    registry.with_sim(lambda sim: sim.scenario(shipment.waybill_no, "exception"))
    _ship_all(operator, order)
    outbound.flush(everything=True)
    shipment.refresh_from_db()
    assert shipment.state == "exception"
    assert Order.objects.get(pk=order.pk).state == S.SHIPPED


def test_buyer_confirms_receipt(paid, operator):
    order = released(paid)
    with pytest.raises(DomainError):
        outbound.confirm_received(order.user, order.pk)
    _ship_all(operator, order)
    with pytest.raises(DomainError):
        outbound.confirm_received(make_buyer(), order.pk)
    assert outbound.confirm_received(order.user, order.pk)
    order.refresh_from_db()
    assert order.state == S.DELIVERED
    assert order.history.filter(to_state=S.DELIVERED, actor=order.user).exists()


def test_auto_delivery_after_configured_days(paid, operator, settings):
    settings.SHEQUN = {**settings.SHEQUN, "AUTO_DELIVER_DAYS": 10}
    order = released(paid)
    _ship_all(operator, order)
    clock.advance(dt.timedelta(days=9))
    assert outbound.auto_deliver_due() == 0
    clock.advance(dt.timedelta(days=2))
    assert outbound.auto_deliver_due() == 1
    order.refresh_from_db()
    assert order.state == S.DELIVERED
    assert Shipment.objects.get(order=order).delivered_at is not None
    assert outbound.auto_deliver_due() == 0


def test_warehouse_staff_of_the_warehouse_ship_others_refused(paid, house):
    order = released(paid)
    staff = make_warehouse_staff(house.operator)
    stranger = make_warehouse_staff(make_warehouse_operator())
    with pytest.raises(DomainError) as exc:
        outbound.create_pick_list(stranger, house, [order.pk])
    assert exc.value.code == "outbound_not_allowed"
    with pytest.raises(DomainError):
        order_services.mark_shipped(order.pk, stranger)
    _ship_all(staff, order)
    assert order.state == S.SHIPPED


def test_refund_cancels_the_carrier_order(paid, operator):
    shipment = outbound.ensure_waybill(paid.pk)
    order_services.mark_refunded(paid.pk, reason="test")
    run_all()
    shipment.refresh_from_db()
    assert shipment.state == "cancelled"


def test_unreachable_address_is_refused_by_the_carrier(settings, house):
    settings.SHEQUN = {**settings.SHEQUN, "CARRIER_SIM": {"unreachable_codes": ["33"]}}
    sku = make_sku(price="60.00")
    make_stock(house, sku, 3)
    order = place_paid_order(make_buyer(), sku)
    with pytest.raises(DomainError) as exc:
        outbound.ensure_waybill(order.pk)
    assert exc.value.code == "carrier_refused"
    assert Shipment.objects.get(order=order).state == "refused"


def test_production_refuses_the_carrier_simulator():
    env = {"SHEQUN_ENV": "production", "SHEQUN_SMS_PROVIDER": "x",
           "SHEQUN_PAYMENT_PROVIDER": "x", "SHEQUN_CUSTOMS_GATEWAY": "https://c/ceb",
           "SHEQUN_PAYOUT_PROVIDER": "x"}
    found = envconfig.problems({**env, "SHEQUN_CARRIER_PROVIDER": "simulator"})
    assert any("SHEQUN_CARRIER_PROVIDER" in p for p in found)
    assert any("SHEQUN_CARRIER_PROVIDER" in p for p in envconfig.problems(env))  # default
    found = envconfig.problems({**env, "SHEQUN_CARRIER_PROVIDER": "sf"})
    assert not any("SHEQUN_CARRIER_PROVIDER" in p for p in found)


def test_after_sales_window_counts_from_the_carriers_signing_time(paid, operator):
    from zoneinfo import ZoneInfo

    order = released(paid)
    _ship_all(operator, order)
    signed = (order.shipped_at + dt.timedelta(days=1)).replace(microsecond=0)
    clock.advance(dt.timedelta(days=3))
    push = {"Body": {"WaybillRoute": [{
        "id": "S1", "mailno": Shipment.objects.get(order=order).waybill_no, "opCode": "80",
        "acceptTime": signed.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S"),
        "remark": "已签收"}]}}
    outbound.receive_push(json.dumps(push).encode())
    order.refresh_from_db()
    assert order.state == S.DELIVERED and order.delivered_at == signed
