"""SF open-platform wire format (logistics.md §2.1–2.5) and the simulator's
checks (§5.2), without a database."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shequn.logistics.carriers import sf
from shequn.logistics.carriers.port import CarrierRefused, State, advances
from shequn.logistics.sim.core import SfSim, SimConfig

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
PARTNER, CHECK = "SQDEMO", "SQDEMOCHECKWORD"


def test_digest_vector_1_java_and_quote_plus_differ():
    msg = '{"orderId":"T-001","remark":"易碎 轻放~*"}'
    assert sf.digest(msg, "1700000000000", "TESTCHECKWORD123") == "5JdAQNrXNwoKls2NbUB2lA=="
    assert sf.digest(msg, "1700000000000", "TESTCHECKWORD123", java=False) \
        == "GDWstqXq3aIyD+t8PJdf/g=="


def test_digest_vector_2():
    msg = '{"language":"zh-CN","orderId":"QIAO-20200618-004"}'
    for java in (True, False):
        assert sf.digest(msg, "1652410044726", "cURqDC12jflwXdruegDudWwXBVSsQk7t",
                         java=java) == "qgwN2Vcl2SDRwnNzbX7B6A=="


def order_msg(order_id="26112500000000011", **over):
    msg = {"language": "zh-CN", "orderId": order_id, "monthlyCard": "7551234567",
           "payMethod": 1, "expressTypeId": 2, "parcelQty": 1, "totalWeight": 1.2,
           "isReturnRoutelabel": 1, "isOneselfPickup": 0,
           "contactInfoList": [
               {"contactType": 1, "contact": "社群保税仓", "mobile": "13800000000",
                "province": "浙江省", "city": "宁波市", "county": "北仑区",
                "address": "港东大道 1 号"},
               {"contactType": 2, "contact": "张三", "mobile": "13912345678",
                "province": "浙江省", "city": "杭州市", "county": "西湖区",
                "address": "文三路 100 号"}],
           "cargoDetails": [{"name": "婴儿配方奶粉", "count": 1, "unit": "罐"}]}
    msg.update(over)
    return msg


def call(sim, service, msg, *, check=CHECK, ts=None, java=True, drop=()):
    form = sf.envelope(PARTNER, check, service, msg,
                       timestamp=ts or str(int(NOW.timestamp() * 1000)))
    if not java:
        form["msgDigest"] = sf.digest(form["msgData"], form["timestamp"], CHECK, java=False)
    for key in drop:
        form.pop(key)
    return sim.handle(form, NOW)


def result(answer):
    assert answer["apiResultCode"] == "A1000", answer
    return json.loads(answer["apiResultData"])


def test_create_allocates_sf_13_digit_waybill_and_same_order_same_waybill():
    sim = SfSim(SimConfig())
    first = result(call(sim, sf.CREATE, order_msg()))
    assert first["success"] and first["errorCode"] == "S0000"
    number = first["msgData"]["waybillNoInfoList"][0]["waybillNo"]
    assert len(number) == 15 and number.startswith("SF") and number[2:].isdigit()
    label = first["msgData"]["routeLabelInfo"][0]["routeLabelData"]
    assert label["waybillNo"] == number and label["destRouteLabel"]
    again = result(call(sim, sf.CREATE, order_msg()))     # a retry (new requestID)
    assert again["msgData"]["waybillNoInfoList"][0]["waybillNo"] == number
    other = result(call(sim, sf.CREATE, order_msg("26112500000000022")))
    assert other["msgData"]["waybillNoInfoList"][0]["waybillNo"] != number
    # Same orderId with different content: duplicate.
    dup = result(call(sim, sf.CREATE, order_msg(totalWeight=2)))
    assert dup["success"] is False and dup["errorCode"] == "8016"


def test_quote_plus_digest_accepted_bad_digest_a1006_and_missing_fields():
    sim = SfSim(SimConfig())
    assert result(call(sim, sf.CREATE, order_msg(), java=False))["success"]
    assert call(sim, sf.CREATE, order_msg(), check="WRONG")["apiResultCode"] == "A1006"
    stale = str(int((NOW - dt.timedelta(hours=1)).timestamp()))   # seconds, outside window
    assert call(sim, sf.CREATE, order_msg(), ts=stale)["apiResultCode"] == "A1006"
    assert call(sim, sf.CREATE, order_msg(), drop=("msgDigest",))["apiResultCode"] == "A1001"
    assert call(sim, "EXP_RECE_UNKNOWN", order_msg())["apiResultCode"] == "A1004"
    assert sim.state["seq"] == 1   # nothing allocated by the refused calls


@pytest.mark.parametrize("change, code", [
    ({"totalWeight": 0}, "1020"), ({"totalWeight": 31}, "1020"), ({"parcelQty": 2}, "1021"),
    ({"cargoDetails": [{"name": " "}]}, "1030"), ({"monthlyCard": "000"}, "1040"),
])
def test_refusals_allocate_nothing(change, code):
    sim = SfSim(SimConfig())
    answer = result(call(sim, sf.CREATE, order_msg(**change)))
    assert answer["success"] is False and answer["errorCode"] == code
    assert sim.state["seq"] == 0


def test_contacts_checked():
    sim = SfSim(SimConfig())
    msg = order_msg()
    msg["contactInfoList"][1]["mobile"] = "12345"
    assert result(call(sim, sf.CREATE, msg))["errorCode"] == "1012"
    msg = order_msg()
    msg["contactInfoList"] = msg["contactInfoList"][:1]
    assert result(call(sim, sf.CREATE, msg))["errorCode"] == "1010"


def test_inconsistent_division_and_unreachable_area_filter_result_3():
    sim = SfSim(SimConfig(unreachable_codes=("6542",)))
    msg = order_msg()
    msg["contactInfoList"][1].update(province="上海市", city="上海市", county="西湖区")
    data = result(call(sim, sf.CREATE, msg))["msgData"]
    assert data["filterResult"] == 3 and data["waybillNoInfoList"] == []
    msg = order_msg("X2")
    msg["contactInfoList"][1].update(province="新疆维吾尔自治区", city="塔城地区", county="塔城市")
    assert result(call(sim, sf.CREATE, msg))["msgData"]["filterResult"] == 3
    assert sim.state["seq"] == 0


def test_cancel_twice_8037_and_after_pickup_refused():
    sim = SfSim(SimConfig())
    result(call(sim, sf.CREATE, order_msg()))
    assert result(call(sim, sf.UPDATE, {"orderId": "26112500000000011", "dealType": 2})
                  )["msgData"]["resStatus"] == 2
    again = result(call(sim, sf.UPDATE, {"orderId": "26112500000000011", "dealType": 2}))
    assert again["errorCode"] == "8037"
    number = result(call(sim, sf.CREATE, order_msg("B")))["msgData"][
        "waybillNoInfoList"][0]["waybillNo"]
    sim.handover([number], NOW)
    sim.due(NOW + dt.timedelta(seconds=5))
    assert result(call(sim, sf.UPDATE, {"orderId": "B", "dealType": 2}))["errorCode"] == "8252"


def test_adapter_against_simulator_retries_with_same_order_id():
    sim = SfSim(SimConfig())
    calls = []

    def flaky(form):
        calls.append(json.loads(form["msgData"])["orderId"])
        if len(calls) == 1:
            raise sf.CarrierError("timeout")
        return json.dumps(sim.handle(form, NOW)).encode()

    carrier = sf.SfCarrier(flaky, partner_id=PARTNER, check_word=CHECK,
                           monthly_card="7551234567", sleep=lambda s: None,
                           now=lambda: NOW.timestamp())
    from decimal import Decimal

    from shequn.logistics.carriers.port import Cargo, Contact, ShipmentRequest
    req = ShipmentRequest(
        order_id="O-1", weight_kg=Decimal("1.2"), cargo=(Cargo("奶粉", 1),),
        sender=Contact("仓", "13800000000", "浙江省", "宁波市", "北仑区", "港东大道"),
        receiver=Contact("张三", "13912345678", "北京市", "北京市", "朝阳区", "某路 1 号"))
    waybill = carrier.create_order(req)
    assert calls == ["O-1", "O-1"] and waybill.waybill_no.startswith("SF")
    assert carrier.create_order(req).waybill_no == waybill.waybill_no
    bad = ShipmentRequest(order_id="O-2", weight_kg=Decimal("99"), cargo=req.cargo,
                          sender=req.sender, receiver=req.receiver)
    with pytest.raises(CarrierRefused):
        carrier.create_order(bad)


def test_route_push_parsing_states_and_exact_ack():
    body = json.dumps({"Body": {"WaybillRoute": [
        {"id": "1", "mailno": "SF7000000000001", "orderid": "o", "acceptTime":
         "2026-11-25 18:00:00", "acceptAddress": "杭州市", "remark": "已签收", "opCode": "80"},
        {"id": "2", "mailno": "SF7000000000001", "acceptTime": "2026-11-25 08:00:00",
         "opCode": "50", "remark": "顺丰速运 已收取快件"}]}}, ensure_ascii=False).encode()
    events = sf.parse_push_body(body)
    assert [e.state for e in events] == [State.DELIVERED, State.PICKED_UP]
    assert events[0].at.utcoffset() == dt.timedelta(hours=8)
    carrier = sf.SfCarrier(lambda f: b"", partner_id="p", check_word="c")
    ack, kind = carrier.push_ack(True)
    assert json.loads(ack) == {"return_code": "0000", "return_msg": "成功"}
    assert sf.state_of({"opCode": "605"}) == State.CUSTOMS_HOLD
    assert sf.state_of({"opCode": "648"}) == State.RETURNING
    assert sf.state_of({"opCode": "70"}) == State.EXCEPTION
    assert sf.state_of({"opCode": "44"}) == State.OUT_FOR_DELIVERY


def test_state_never_moves_backward_except_into_exception_or_return():
    assert advances("picked_up", "in_transit")
    assert not advances("out_for_delivery", "in_transit")
    assert not advances("delivered", "exception")
    assert advances("out_for_delivery", "exception")
    assert advances("exception", "out_for_delivery")
    assert advances("in_transit", "returning")
    assert not advances("returning", "in_transit")
