"""Business rules: a valid purchase has no problems; each violated rule yields a
Problem with the right rule id and element path."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from shequn.customs.ceb import demo, rules
from shequn.customs.ceb.derive import refund_for
from shequn.customs.ceb.model import Message, OrderLine
from shequn.customs.ceb.rules import LegalUnits

D = Decimal
rep = dataclasses.replace


@pytest.fixture
def order():
    return demo.order(lines=3)


@pytest.fixture
def inventory(order):
    return demo.inventory(order, demo.waybill(order))


def _rules(problems) -> set[tuple[str, str]]:
    return {(p.rule, p.path.rsplit("/", 1)[-1]) for p in problems}


def test_valid_purchase_is_clean(order, inventory):
    pay, way = demo.payment(order), demo.waybill(order)
    assert rules.order_problems(order) == []
    assert rules.payment_problems(pay) == []
    assert rules.waybill_problems(way) == []
    assert rules.status_problems(demo.delivered(way)) == []
    assert rules.inventory_problems(inventory) == []
    assert rules.check_order_payment(order, pay) == []
    assert rules.check_order_waybill(order, way) == []
    assert rules.check_inventory_order(inventory, order) == []
    assert rules.check_inventory_waybill(inventory, way) == []


def _with_head(order, **kw):
    return rep(order, head=rep(order.head, **kw))


@pytest.mark.parametrize(("changes", "rule", "tag"), [
    ({"currency": "502"}, "CURRENCY", "currency"),
    ({"buyer_id_type": "2"}, "ID_TYPE", "buyerIdType"),
    ({"buyer_id_number": "130681136250023332"}, "ID_NUMBER", "buyerIdNumber"),  # sample's
    ({"buyer_id_number": "11010519901332123X"}, "ID_NUMBER", "buyerIdNumber"),
    ({"buyer_id_number": "1101051990"}, "ID_NUMBER", "buyerIdNumber"),
    ({"order_type": "E"}, "ORDER_TYPE", "orderType"),
    ({"app_type": "4"}, "APP_TYPE", "appType"),
    ({"app_status": "9"}, "APP_STATUS", "appStatus"),
    ({"app_time": "20261399000000"}, "TIME", "appTime"),
    ({"guid": "abc"}, "GUID", "guid"),
    ({"discount": D("-1")}, "AMOUNT", "discount"),
])
def test_order_head_rules(order, changes, rule, tag):
    problems = rules.order_problems(_with_head(order, **changes))
    assert (rule, tag) in _rules(problems)


def test_actural_paid_formula(order):
    bad = _with_head(order, actural_paid=order.head.actural_paid + D("0.01"))
    problems = rules.order_problems(bad)
    assert [p.rule for p in problems] == ["ACTURAL_PAID"]
    assert problems[0].path == "/CEB311Message/Order[1]/OrderHead/acturalPaid"


def test_discount_counts_against_actural_paid(order):
    h = order.head
    ok = _with_head(order, discount=D("5"), actural_paid=h.actural_paid - D("5"))
    assert rules.order_problems(ok) == []


def test_line_total_and_goods_value(order):
    line = order.lines[1]
    bad_line = rep(line, total_price=line.total_price + D("1"))
    problems = rules.order_problems(rep(order, lines=(order.lines[0], bad_line, order.lines[2])))
    assert {p.rule for p in problems} == {"LINE_TOTAL", "GOODS_VALUE"}
    assert any(p.path == "/CEB311Message/Order[1]/OrderList[2]/totalPrice" for p in problems)


def test_line_total_exact_with_five_decimals():
    line = OrderLine(gnum=1, item_name="x", gmodel="x", unit="007", qty=D("3"),
                     price=D("33.33333"), total_price=D("99.99999"), country="601")
    assert rules._line_total(line.qty, line.price, line.total_price, "p") == []


def test_gnum_sequence_and_line_currency(order):
    lines = (order.lines[0], rep(order.lines[1], gnum=5, currency="840"), order.lines[2])
    got = _rules(rules.order_problems(rep(order, lines=lines)))
    assert ("GNUM", "gnum") in got and ("CURRENCY", "currency") in got


def test_at_most_99_lines():
    big = demo.order(lines=100)
    problems = rules.order_problems(big)
    assert [p.rule for p in problems] == ["MAX_LINES"]
    assert rules.order_problems(demo.order(lines=99)) == []


def test_payment_rules(order):
    pay = demo.payment(order)
    got = _rules(rules.payment_problems(rep(pay, payer_id_type="2", currency="840",
                                            amount_paid=D("0"), pay_time="2026")))
    assert got == {("ID_TYPE", "payerIdType"), ("CURRENCY", "currency"),
                   ("AMOUNT", "amountPaid"), ("TIME", "payTime")}
    assert ("ID_NUMBER", "payerIdNumber") in _rules(
        rules.payment_problems(rep(pay, payer_id_number="110105199003071230")))


def test_waybill_and_status_rules(order):
    way = demo.waybill(order)
    got = _rules(rules.waybill_problems(rep(way, pack_no=2, weight=D("0"), currency="840")))
    assert got == {("PACK_NO", "packNo"), ("WEIGHT", "weight"), ("CURRENCY", "currency")}
    st = rep(demo.delivered(way), logistics_status="R")
    assert _rules(rules.status_problems(st)) == {("LOGISTICS_STATUS", "logisticsStatus")}


def test_inventory_head_rules(inventory):
    h = inventory.head
    cases = [
        ({"ie_flag": "E"}, "IE_FLAG", "ieFlag"),
        ({"cop_no": None}, "COP_NO", "copNo"),
        ({"pack_no": 3}, "PACK_NO", "packNo"),
        ({"trade_mode": "0110"}, "TRADE_MODE", "tradeMode"),
        ({"ems_no": None}, "BONDED_FIELDS", "emsNo"),
        ({"country": "601"}, "COUNTRY", "country"),
        ({"decl_time": "20261340"}, "TIME", "declTime"),
        ({"net_weight": h.gross_weight + 1}, "WEIGHT", "netWeight"),
        ({"buyer_id_number": "110105199003071230"}, "ID_NUMBER", "buyerIdNumber"),
        ({"currency": "344"}, "CURRENCY", "currency"),
    ]
    for changes, rule, tag in cases:
        got = _rules(rules.inventory_problems(rep(inventory, head=rep(h, **changes))))
        assert (rule, tag) in got, (changes, got)


def test_direct_mail_needs_transport_fields(inventory):
    h = rep(inventory.head, trade_mode="9610", country="601", ems_no=None)
    got = _rules(rules.inventory_problems(rep(inventory, head=h)))
    assert {("DIRECT_FIELDS", "trafNo"), ("DIRECT_FIELDS", "voyageNo"),
            ("DIRECT_FIELDS", "billNo")} <= got
    ok = rep(h, traf_no="CA1234", voyage_no="20261124", bill_no="999-12345678")
    assert rules.inventory_problems(rep(inventory, head=ok)) == []


@pytest.mark.parametrize(("changes", "rule", "tag"), [
    ({"gcode": "19011010AB"}, "GCODE", "gcode"),
    ({"item_record_no": None}, "BONDED_FIELDS", "itemRecordNo"),
    ({"qty1": D("0")}, "QTY", "qty1"),
    ({"unit2": "035"}, "QTY2_UNIT2", "qty2"),
    ({"total_price": D("1")}, "LINE_TOTAL", "totalPrice"),
])
def test_inventory_line_rules(inventory, changes, rule, tag):
    lines = (rep(inventory.lines[0], **changes), *inventory.lines[1:])
    assert (rule, tag) in _rules(rules.inventory_problems(rep(inventory, lines=lines)))


def test_same_unit_means_same_legal_quantity(inventory):
    line = rep(inventory.lines[0], unit1=inventory.lines[0].unit, qty1=D("7"))
    problems = rules.inventory_problems(rep(inventory, lines=(line, *inventory.lines[1:])))
    assert [p.rule for p in problems] == ["QTY1_UNIT"]


def test_legal_quantities_from_sku_conversion(inventory):
    line = inventory.lines[0]  # formula: 1 can = 0.9 kg
    units = {line.item_no: LegalUnits(unit1="035", per_unit1=D("0.9"))}
    assert rules.check_legal_quantities(inventory, units) == []
    bad = rep(inventory, lines=(rep(line, qty1=line.qty1 + D("0.1")), *inventory.lines[1:]))
    problems = rules.check_legal_quantities(bad, units)
    assert [(p.rule, p.path.rsplit("/", 1)[-1]) for p in problems] == [("LEGAL_QTY", "qty1")]
    with_second = {line.item_no: LegalUnits(unit1="035", per_unit1=D("0.9"), unit2="122",
                                            per_unit2=D("1"))}
    assert [p.rule for p in rules.check_legal_quantities(inventory, with_second)] == [
        "LEGAL_QTY"]
    assert rules.legal_quantities(D("3"), LegalUnits("035", D("0.333333")))[0] == D("1")


def test_cancel_rules(inventory):
    from shequn.customs.ceb.derive import cancel_for

    cancel = cancel_for(inventory.head, invt_no="29212026I000000001", reason="取消")
    assert rules.cancel_problems(cancel) == []
    got = _rules(rules.cancel_problems(rep(cancel, app_type="2", cop_no=None)))
    assert got == {("CANCEL_APP_TYPE", "appType"), ("COP_NO", "copNo")}


def test_refund_rules_and_refund_against_inventory(inventory):
    refund = refund_for(inventory, {1: D("1"), 3: D("1")}, invt_no="29212026I000000001",
                        reason="退货")
    assert rules.refund_problems(refund) == []
    inv = rep(inventory, head=rep(inventory.head, invt_no="29212026I000000001"))
    assert rules.check_refund_inventory(refund, inv) == []
    too_many = rep(refund, lines=(rep(refund.lines[0], qty=inventory.lines[0].qty + 1),
                                  rep(refund.lines[1], gcode="0000000000")))
    got = [p.rule for p in rules.check_refund_inventory(too_many, inv)]
    assert got == ["REFUND_QTY", "REFUND_LINE"]
    dup = rep(refund, lines=(refund.lines[0], refund.lines[0]))
    assert "GNUM" in {p.rule for p in rules.refund_problems(dup)}
    other = rep(inv, head=rep(inv.head, invt_no="29212026I000000002"))
    assert [p.rule for p in rules.check_refund_inventory(refund, other)] == ["KEY_MATCH"]


def test_order_payment_matching(order):
    pay = demo.payment(order)
    short = rep(pay, amount_paid=pay.amount_paid - D("0.01"))
    problems = rules.check_order_payment(order, short)
    assert [p.rule for p in problems] == ["PAID_MATCH"]
    assert problems[0].path.endswith("OrderHead/acturalPaid")
    other_payer = rep(pay, payer_name="李四")
    assert [p.rule for p in rules.check_order_payment(order, other_payer)] == ["PAYER_BUYER"]
    assert [p.rule for p in rules.check_order_payment(order, rep(pay, order_no="X"))] == [
        "KEY_MATCH"]


@pytest.mark.parametrize("field", ["consignee", "consignee_telephone", "consignee_address"])
def test_consignee_triple_must_match(order, field):
    way = rep(demo.waybill(order), **{field: "不同"})
    problems = rules.check_order_waybill(order, way)
    assert [p.rule for p in problems] == ["CONSIGNEE_MATCH"]


def test_inventory_matches_order_and_waybill(order, inventory):
    renamed = rep(inventory, lines=(rep(inventory.lines[0], gname="别的名字"),
                                    *inventory.lines[1:]))
    assert [p.rule for p in rules.check_inventory_order(renamed, order)] == ["LINE_MATCH"]
    missing = rep(inventory, lines=inventory.lines[:2])
    assert "LINE_MATCH" in {p.rule for p in rules.check_inventory_order(missing, order)}
    other_buyer = rep(inventory, head=rep(inventory.head, buyer_name="李四"))
    assert [p.rule for p in rules.check_inventory_order(other_buyer, order)] == ["KEY_MATCH"]
    way = rep(demo.waybill(order), logistics_no="OTHER")
    assert [p.rule for p in rules.check_inventory_waybill(inventory, way)] == ["KEY_MATCH"]


def test_message_problems_flags_unsigned_declared_inventory(inventory):
    msg = Message(message_type="CEB621Message", guid=inventory.head.guid,
                  records=(inventory,), transfer=demo.transfer(), signed=False)
    assert [p.rule for p in rules.message_problems(msg)] == ["SIGNATURE"]
    saved = rep(inventory, head=rep(inventory.head, app_status="1"))
    assert rules.message_problems(rep(msg, records=(saved,))) == []
    assert rules.message_problems(rep(msg, signed=True)) == []


def test_id_number_checks():
    assert rules.id_number_error(demo.id_number()) is None
    assert rules.id_number_error("11010519491231002x") is None  # lower-case x accepted
    assert rules.id_number_error("230307196304054513") is not None  # bad check character
    body = "11010519901332123"  # month 13
    assert "birth date" in (rules.id_number_error(demo.id_number(body)) or "")
