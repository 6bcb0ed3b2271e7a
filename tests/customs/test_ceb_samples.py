"""Every official sample (202205 import set) validates and parses into the
dataclasses. The samples show shape, not valid business data (fake ID numbers,
placeholder codes), so only the shape is asserted here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from shequn.customs.ceb.messages import LAYOUTS, read_message, records_of
from shequn.customs.ceb.model import (
    Delivery,
    Inventory,
    InventoryReturn,
    InvtCancel,
    InvtRefund,
    Order,
    OrderReturn,
    PaymentHead,
)
from shequn.customs.ceb.schema import parse, schema_problems

SAMPLES = Path(__file__).with_name("samples")
ALL = sorted(SAMPLES.glob("CEB*.xml"))


def test_all_sixteen_samples_are_present():
    assert len(ALL) == 16


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_sample_validates_and_parses(path: Path):
    data = path.read_bytes()
    root = parse(data)
    assert schema_problems(root) == []
    msg = read_message(data)
    assert msg.message_type == path.stem
    lay = LAYOUTS[msg.message_type]
    expected = lay.doc or lay.head
    assert msg.records and all(isinstance(r, expected) for r in msg.records)
    assert (msg.transfer is not None) == lay.transfer
    # Each record head carries the 36-character guid the XSD demands.
    for rec in msg.records:
        assert len(getattr(rec, "head", rec).guid) == 36


def test_order_sample_fields():
    msg = read_message((SAMPLES / "CEB311Message.xml").read_bytes())
    order = records_of(msg, Order)[0]
    assert order.head.order_no == "order20160321116421002"
    assert order.head.goods_value == Decimal("14000")
    assert order.head.actural_paid == Decimal("19050")
    assert [ln.gnum for ln in order.lines] == [1, 2]
    assert sum(ln.total_price for ln in order.lines) == order.head.goods_value
    assert msg.transfer is not None and msg.transfer.dxp_mode == "DXP"


def test_payment_sample_matches_order_amount():
    order = records_of(read_message((SAMPLES / "CEB311Message.xml").read_bytes()), Order)[0]
    pay = records_of(read_message((SAMPLES / "CEB411Message.xml").read_bytes()), PaymentHead)[0]
    assert pay.amount_paid == order.head.actural_paid == Decimal("19050")
    assert pay.payer_id_type == "1"


def test_inventory_sample_is_signed_with_empty_optionals_as_none():
    msg = read_message((SAMPLES / "CEB621Message.xml").read_bytes())
    assert msg.signed
    inv = records_of(msg, Inventory)[0]
    assert inv.head.pre_no is None and inv.head.invt_no is None  # empty elements
    assert inv.head.cop_no == "NBBH20160308005"
    assert inv.lines[0].gcode == "8541401000"
    assert inv.lines[0].qty2 == Decimal("300") and inv.lines[0].unit2 == "035"
    assert inv.lines[0].trade_country == "116" and inv.lines[1].trade_country is None


def test_receipt_samples_in_default_namespace_parse():
    msg = read_message((SAMPLES / "CEB622Message.xml").read_bytes())
    rec = records_of(msg, InventoryReturn)[0]
    assert (rec.cop_no, rec.pre_no, rec.return_status) == (
        "cop2016032211000", "B20160512000001882", "1")
    assert len(rec.return_time) == 17
    assert msg.transfer is None and not msg.signed
    ret = records_of(read_message((SAMPLES / "CEB312Message.xml").read_bytes()), OrderReturn)[0]
    assert ret.order_no and ret.return_info


def test_cancel_refund_delivery_samples():
    cancel = records_of(read_message((SAMPLES / "CEB623Message.xml").read_bytes()), InvtCancel)
    assert cancel[0].invt_no and cancel[0].reason
    refund = records_of(read_message((SAMPLES / "CEB625Message.xml").read_bytes()), InvtRefund)[0]
    assert refund.head.invt_no == "15003213300400111"
    assert refund.lines and refund.lines[0].gnum == 1
    delivery = records_of(read_message((SAMPLES / "CEB711Message.xml").read_bytes()), Delivery)
    assert delivery[0].lines[0].logistics_no
