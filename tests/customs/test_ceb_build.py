"""Builders: XSD-valid output in XSD order, correct namespace and formats, and a
round trip build → parse that gives back equal dataclasses for every type."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from shequn.customs.ceb import demo
from shequn.customs.ceb.derive import cancel_for, refund_for
from shequn.customs.ceb.messages import (
    CebBuildError,
    build_ceb311,
    build_ceb411,
    build_ceb511,
    build_ceb513,
    build_ceb621,
    build_ceb623,
    build_ceb625,
    build_message,
    parse_message,
    read_message,
    to_bytes,
)
from shequn.customs.ceb.model import (
    InventoryReturn,
    InvtCancelReturn,
    InvtRefundReturn,
    LogisticsReturn,
    LogisticsStatusReturn,
    MessageReturn,
    OrderReturn,
    PaymentReturn,
    Tax,
    TaxHead,
    TaxLine,
    TaxStatus,
    ceb_date,
    ceb_time,
    new_guid,
    parse_ceb_time,
    return_time,
)
from shequn.customs.ceb.schema import CEB_NS, DS_NS, ceb_schema
from shequn.customs.ceb.signing import RsaSha256Signer, generate_demo_keypair

D = Decimal


@pytest.fixture(scope="module")
def signer(tmp_path_factory) -> RsaSha256Signer:
    key, cert = generate_demo_keypair(tmp_path_factory.mktemp("ceb-keys"))
    return RsaSha256Signer.from_files(key, cert)


@pytest.fixture
def docs():
    order = demo.order(lines=3)
    waybill = demo.waybill(order)
    return order, demo.payment(order), waybill, demo.inventory(order, waybill)


def _roundtrip(root: etree._Element):
    return read_message(to_bytes(root))


def test_order_roundtrip(docs):
    order = docs[0]
    transfer = demo.transfer()
    root = build_ceb311([order], transfer, guid=order.head.guid)
    assert ceb_schema().validate(root)
    msg = _roundtrip(root)
    assert msg.message_type == "CEB311Message"
    assert msg.records == (order,)
    assert msg.transfer == transfer
    assert msg.guid == order.head.guid and not msg.signed


def test_payment_waybill_status_roundtrip(docs):
    _order, payment, waybill, _inv = docs
    status = demo.delivered(waybill)
    for build, rec in ((build_ceb411, payment), (build_ceb511, waybill), (build_ceb513, status)):
        msg = _roundtrip(build([rec], demo.transfer()))
        assert msg.records == (rec,)


def test_signed_inventory_roundtrip(docs, signer):
    inv = docs[3]
    root = build_ceb621([inv], demo.transfer(), signer=signer)
    assert etree.QName(root[-1]).text == f"{{{DS_NS}}}Signature"  # last child, per XSD
    msg = _roundtrip(root)
    assert msg.signed and msg.records == (inv,)


def test_cancel_and_refund_roundtrip(docs, signer):
    inv = docs[3]
    cancel = cancel_for(inv.head, invt_no="29212026I000000001", reason="买家取消订单")
    msg = _roundtrip(build_ceb623([cancel], demo.transfer(), signer=signer))
    assert msg.records == (cancel,) and msg.signed
    refund = refund_for(inv, {2: D("1")}, invt_no="29212026I000000001", reason="七天无理由")
    assert refund.lines[0].gcode == inv.lines[1].gcode
    msg = _roundtrip(build_ceb625([refund], demo.transfer(), signer=signer))
    assert msg.records == (refund,) and msg.signed


def test_hundred_records_in_one_message(docs):
    orders = [demo.order(f"SQ2026112400{i:02d}") for i in range(100)]
    msg = _roundtrip(build_ceb311(orders, demo.transfer()))
    assert len(msg.records) == 100
    with pytest.raises(CebBuildError):  # the XSD caps a message at 100
        build_ceb311([*orders, demo.order()], demo.transfer())


RT = "20261124103000123"
RECEIPTS = [
    ("CEB312Message", OrderReturn(ebp_code="3301960SQP", ebc_code="3301960ABC",
                                  order_no="SQ1", return_status="120", return_time=RT,
                                  return_info="[Code:1800;Desc:逻辑校验通过]")),
    ("CEB412Message", PaymentReturn(pay_code="312226T001", pay_transaction_id="P1",
                                    return_status="120", return_time=RT, return_info="ok")),
    ("CEB512Message", LogisticsReturn(logistics_code="3301980LGS", logistics_no="YT1",
                                      return_status="120", return_time=RT, return_info="ok")),
    ("CEB514Message", LogisticsStatusReturn(logistics_code="3301980LGS", logistics_no="YT1",
                                            logistics_status="S", return_status="120",
                                            return_time=RT, return_info="ok")),
    ("CEB622Message", InventoryReturn(customs_code="2921", ebc_code="3301960ABC", cop_no="C1",
                                      pre_no="B20261124000000001",
                                      invt_no="29212026I000000001", return_status="800",
                                      return_time=RT, return_info="[Code:2600;Desc:放行]")),
    ("CEB624Message", InvtCancelReturn(cop_no="C1", pre_no="B20261124000000001",
                                       return_status="399", return_time=RT, return_info="审结")),
    ("CEB626Message", InvtRefundReturn(cop_no="C1", pre_no="B20261124000000001",
                                       return_status="399", return_time=RT, return_info="审结")),
    ("CEB816Message", Tax(head=TaxHead(return_time=RT, invt_no="29212026I000000001",
                                       tax_no="29212026I000000001_0", customs_tax=D("0"),
                                       value_added_tax=D("37.31"), consumption_tax=D("0"),
                                       status="1", ebc_code="3301960ABC"),
                          lines=(TaxLine(gnum=1, gcode="2201101000", tax_price=D("410.0"),
                                         customs_tax=D("0"), value_added_tax=D("37.31"),
                                         consumption_tax=D("0")),))),
    ("CEB818Message", TaxStatus(return_time=RT, invt_no="29212026I000000001",
                                tax_no="29212026I000000001_0", status="2")),
    ("CEB900Message", MessageReturn(return_status="-0002", return_info="schema error",
                                    return_time=RT, ori_cop_msg_id="abc",
                                    ori_message_type="CEB311Message", ori_biz_message="")),
]


@pytest.mark.parametrize(("mtype", "record"), RECEIPTS, ids=[r[0] for r in RECEIPTS])
def test_receipt_roundtrip(mtype, record):
    msg = _roundtrip(build_message(mtype, [record]))
    assert msg.message_type == mtype and msg.records == (record,) and msg.transfer is None


def test_elements_in_xsd_order_with_namespace(docs):
    root = build_ceb311([docs[0]], demo.transfer())
    assert etree.QName(root).namespace == CEB_NS and root.prefix == "ceb"
    head = root.find(f"{{{CEB_NS}}}Order/{{{CEB_NS}}}OrderHead")
    names = [etree.QName(c).localname for c in head]
    assert names[:6] == ["guid", "appType", "appTime", "appStatus", "orderType", "orderNo"]
    assert names.index("acturalPaid") < names.index("currency") < names.index("buyerRegNo")
    assert [etree.QName(c).localname for c in root] == ["Order", "BaseTransfer"]


def test_time_formats():
    moment = dt.datetime(2026, 11, 24, 16, 30, 5, 123456, tzinfo=dt.UTC)
    assert ceb_time(moment) == "20261125003005"  # Beijing = UTC+8
    assert ceb_date(moment) == "20261125"
    assert return_time(moment) == "20261125003005123"
    assert parse_ceb_time("20261125003005123") == moment.replace(microsecond=123000)
    with pytest.raises(ValueError):
        parse_ceb_time("2026-11-25")
    guid = new_guid()
    assert len(guid) == 36 and guid == guid.upper()


def test_defaults_give_a_declarable_head(docs):
    head = docs[3].head
    assert (head.app_type, head.app_status, head.currency, head.buyer_id_type) == (
        "1", "2", "142", "1")
    assert len(head.app_time) == 14 and len(head.decl_time) == 8


@pytest.mark.parametrize(("field", "value"), [
    ("gcode", "190110100"),  # 9 characters
    ("gname", ""),
    ("qty", D("1.123456")),  # more than 5 decimals
])
def test_builder_refuses_what_the_xsd_refuses(docs, signer, field, value):
    inv = docs[3]
    bad_line = dataclasses.replace(inv.lines[0], **{field: value})
    bad = dataclasses.replace(inv, lines=(bad_line, *inv.lines[1:]))
    with pytest.raises(CebBuildError) as exc:
        build_ceb621([bad], demo.transfer(), signer=signer)
    assert exc.value.problems and exc.value.problems[0].rule == "xsd"


def test_builder_refuses_wrong_record_type(docs):
    with pytest.raises(TypeError):
        build_ceb311([docs[1]], demo.transfer())  # type: ignore[list-item]
    with pytest.raises(ValueError):
        build_ceb311([], demo.transfer())


def test_unsigned_inventory_only_for_external_signing(docs):
    root = build_ceb621([docs[3]], demo.transfer(), signer=None)
    errors = ceb_schema()
    assert not errors.validate(root)  # official schema: Signature missing
    assert "Signature" in str(errors.error_log.last_error)
    assert parse_message(root).signed is False
