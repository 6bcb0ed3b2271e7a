"""The sender on a parcel's waybill is the warehouse it ships from (name,
phone, address), on the printed label and in the carrier's order alike; the
configured SHEQUN["CARRIER_SENDER"] only for a warehouse without an address."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from shequn.logistics import carrier as registry
from shequn.logistics import outbound
from shequn.logistics.carriers import sf
from shequn.logistics.models import Shipment
from tests.builders.buying import place_paid_order
from tests.builders.catalog import make_org, make_sku, make_stock, make_warehouse
from tests.builders.outbound import make_warehouse_operator, released
from tests.builders.people import make_buyer, make_operator

pytestmark = pytest.mark.django_db
XIASHA = dict(name="杭州下沙保税仓", phone="0571-86001234", province="浙江省", city="杭州市",
              district="钱塘区", address="下沙综合保税区围垦街 8 号")


@pytest.fixture
def carrier_orders(monkeypatch):
    """The business messages of the carrier's create-order calls, as sent."""
    sent: list[dict] = []
    real = registry.embedded_transport

    def spy(form):
        if form.get("serviceCode") == sf.CREATE:
            sent.append(json.loads(form["msgData"]))
        return real(form)

    monkeypatch.setattr(registry, "embedded_transport", spy)
    return sent


def _packed(house):
    sku = make_sku(price="128.00")
    make_stock(house, sku, 5)
    order = released(place_paid_order(make_buyer(), sku))
    operator = make_operator()
    pick = outbound.create_pick_list(operator, house, [order.pk])
    outbound.confirm_picked(operator, pick.pk)
    return order, outbound.pack(operator, order.pk, "1.0")


def _sender_of(message: dict) -> dict:
    return next(c for c in message["contactInfoList"] if c["contactType"] == 1)


def test_the_shipping_warehouse_is_the_sender_on_label_and_carrier_order(carrier_orders):
    house = make_warehouse(operator=make_warehouse_operator(), **XIASHA)
    order, shipment = _packed(house)
    (message,) = [m for m in carrier_orders if m["orderId"] == order.number]
    sent = _sender_of(message)
    # A landline goes as SF's tel (mobile is for mobile numbers only).
    assert (sent["contact"], sent["tel"], sent["mobile"], sent["province"], sent["city"],
            sent["county"], sent["address"]) == ("杭州下沙保税仓", "0571-86001234", "", "浙江省",
                                                 "杭州市", "钱塘区", "下沙综合保税区围垦街 8 号")
    label = outbound.label_data(Shipment.objects.select_related("order", "warehouse")
                                .get(pk=shipment.pk))
    assert label.sender == "杭州下沙保税仓 0571-86001234"
    assert label.sender_address == "浙江省杭州市钱塘区下沙综合保税区围垦街 8 号"
    assert "宁波" not in label.sender_address + label.sender


def test_a_warehouse_without_an_address_falls_back_to_the_setting(carrier_orders):
    house = make_warehouse(operator=make_warehouse_operator())
    assert not house.address
    order, shipment = _packed(house)
    default = settings.SHEQUN["CARRIER_SENDER"]
    (message,) = [m for m in carrier_orders if m["orderId"] == order.number]
    sent = _sender_of(message)
    assert (sent["contact"], sent["city"], sent["address"]) == (
        default["name"], default["city"], default["address"])
    label = outbound.label_data(shipment)
    assert label.sender.startswith(default["name"]) and default["address"] in \
        label.sender_address


def test_without_a_district_or_phone_the_city_and_the_default_phone_stand_in():
    house = make_warehouse(**{**XIASHA, "district": "", "phone": ""})
    contact = outbound.sender(house)
    assert contact.county == "杭州市"
    assert contact.mobile == settings.SHEQUN["CARRIER_SENDER"]["mobile"]
    house.phone = "139 0571 0000"
    assert outbound.sender(house).mobile == "13905710000"


def test_the_demo_warehouses_have_their_own_sender_address():
    from shequn.catalog.models import Organization
    from shequn.demo import base

    houses = base._warehouses(make_org(Organization.Kind.WAREHOUSE))
    xiasha = houses[base.BONDED_WH]
    assert outbound.sender(xiasha).city == "杭州市" and "下沙" in outbound.sender(xiasha).address
    assert all(outbound.sender(h).address == h.address for h in houses.values())
