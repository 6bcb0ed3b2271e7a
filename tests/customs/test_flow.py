"""Clearance end to end with the embedded single-window simulator: a paid order
is declared (311/411/511/621), matched and released, and may then ship; a
rejection or a cancellation refunds with stock and quota given back; a return
after delivery is declared (625) and refunded when customs accepts it. Receipts
that come twice, late or out of order change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from shequn.customs import services
from shequn.customs.ceb import dxp, messages
from shequn.customs.ceb import model as ceb
from shequn.customs.models import Declaration, Message, Receipt, ReturnDeclaration
from shequn.inventory.models import Stock
from shequn.orders import returns
from shequn.orders import services as order_services
from shequn.orders.models import AfterSale, Order
from shequn.payments.models import Refund
from shequn.quota.models import QuotaAccount
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

pytestmark = pytest.mark.django_db
S = Order.State


def run_until_quiet(rounds: int = 12) -> None:
    """What the worker does: drain the outbox and let the simulator answer."""
    for _ in range(rounds):
        moved = outbox.drain() + services.pump_embedded()
        if not moved:
            return


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="customs-op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


@pytest.fixture
def paid():
    sku = make_sku(price="128.00")
    make_stock(make_warehouse(), sku, 10)
    return place_paid_order(make_buyer(), sku, qty=2)


def _sent(kind: str) -> bytes:
    """The CEB message inside the stored envelope of the one ``kind`` sent."""
    return dxp.unwrap(Message.objects.get(kind=kind).sent_bytes()).data


def _receipt(cop_no: str, status: str, at: str, info: str = "x") -> bytes:
    record = ceb.InventoryReturn(cop_no=cop_no, pre_no="B20261125000000001",
                                 invt_no="29912026I000000001",
                                 return_status=status, return_time=at, return_info=info,
                                 customs_code="2991", ebp_code="3301960SQP", ebc_code="3301000005",
                                 agent_code="3301000005")
    return messages.to_bytes(messages.build_message("CEB622Message", [record]))


def test_paid_order_is_declared_released_and_may_ship(paid, operator):
    with pytest.raises(DomainError) as exc:
        order_services.mark_shipped(paid.pk, operator)
    assert exc.value.code == "not_cleared"
    run_until_quiet()
    declaration = Declaration.objects.get(order=paid)
    assert declaration.state in (Declaration.State.RELEASED, Declaration.State.CLOSED)
    assert declaration.invt_no
    assert list(Message.objects.filter(declaration=declaration).values_list("kind", flat=True)) \
        == ["CEB311", "CEB411", "CEB511", "CEB621"]
    assert set(Message.objects.values_list("state", flat=True)) == {Message.State.SENT}
    # The inventory list leaves only after the three documents it is matched with.
    sent = dict(Message.objects.values_list("kind", "sent_at"))
    assert sent["CEB621"] >= max(sent["CEB311"], sent["CEB411"], sent["CEB511"])
    # The inventory list went out signed, inside a DxpMsg envelope.
    assert b"SignatureValue" in _sent("CEB621")
    paid.refresh_from_db()
    assert paid.cleared_at is not None
    assert AuditLog.objects.filter(action="pii.decrypt", object_id=str(paid.pk)).count() == 1
    order_services.mark_shipped(paid.pk, operator)
    assert Order.objects.get(pk=paid.pk).state == S.SHIPPED
    # Customs' tax bill (CEB816) agrees with the tax the buyer paid.
    assert declaration.customs_tax == paid.tax_total


def test_receipts_twice_late_or_out_of_order_change_nothing(paid):
    run_until_quiet()
    declaration = Declaration.objects.get(order=paid)
    before = (declaration.state, declaration.status_code)
    count = Receipt.objects.count()
    late = _receipt(declaration.cop_no, "120", "20260101000000000")
    assert services.receive(late) == ["ignored"]
    assert services.receive(late) == ["duplicate"]
    declaration.refresh_from_db()
    assert (declaration.state, declaration.status_code) == before
    assert Receipt.objects.count() == count + 1
    # A rejection after release cannot undo it.
    assert services.receive(_receipt(declaration.cop_no, "100", "20990101000000000")) \
        == ["ignored"]
    assert Declaration.objects.get(pk=declaration.pk).state == before[0]


def test_out_of_order_receipts_end_in_the_furthest_state():
    """Unit level: 800 before 120, 120 arriving last, each applied once."""
    sku = make_sku(price="50.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(make_buyer(), sku)
    services.declare(order.pk)
    declaration = Declaration.objects.get(order=order)
    assert services.receive(_receipt(declaration.cop_no, "800", "20261125100000000")) == ["applied"]
    assert services.receive(_receipt(declaration.cop_no, "120", "20261125090000000")) == ["ignored"]
    assert services.receive(_receipt(declaration.cop_no, "2", "20261125080000000")) == ["ignored"]
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.RELEASED
    assert Order.objects.get(pk=order.pk).cleared_at is not None


def test_rejection_refunds_and_gives_stock_and_quota_back(settings):
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_SIM": {"reject_rate": 1.0}}
    sku = make_sku(price="99.00")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(make_buyer(), sku, qty=3)
    run_until_quiet()
    declaration = Declaration.objects.get(order=order)
    assert declaration.state == Declaration.State.REJECTED
    order.refresh_from_db()
    assert order.state == S.REFUNDED
    refund = Refund.objects.get(payment__order=order)
    assert refund.amount == order.actual_paid
    stock = Stock.objects.get(sku=sku)
    assert stock.on_hand == 10 and stock.reserved == 0
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    assert account.used == 0 and account.reserved == 0
    assert Order.objects.get(pk=order.pk).cleared_at is None


def test_operator_cancellation_is_declared_and_refunds(settings, operator):
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_SIM": {"review_rate": 1.0,
                                                          "review_delay": 3600.0}}
    sku = make_sku(price="70.00")
    make_stock(make_warehouse(), sku, 4)
    order = place_paid_order(make_buyer(), sku)
    run_until_quiet()
    declaration = Declaration.objects.get(order=order)
    assert declaration.state == Declaration.State.REVIEW
    with pytest.raises(DomainError):
        services.request_cancel(make_buyer(), order.pk, "x")
    services.request_cancel(operator, order.pk, "买家取消")
    run_until_quiet()
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.CANCELLED
    assert Order.objects.get(pk=order.pk).state == S.REFUNDED
    assert Message.objects.filter(kind="CEB623", state=Message.State.SENT).count() == 1


def test_return_after_delivery_is_declared_then_refunded(paid, operator):
    run_until_quiet()
    order_services.mark_shipped(paid.pk, operator)
    order_services.mark_delivered(paid.pk, operator)
    line = paid.lines.get()
    after_sale = returns.request_return(paid.user, paid.pk, [(line.pk, 1)], "不合适")
    returns.decide_return(operator, after_sale.pk, approve=True)
    run_until_quiet()
    ret = ReturnDeclaration.objects.get(after_sale=after_sale)
    assert ret.state == ReturnDeclaration.State.ACCEPTED
    assert Message.objects.filter(kind="CEB625").count() == 1
    after_sale.refresh_from_db()
    assert after_sale.state == AfterSale.State.REFUNDED
    assert Order.objects.get(pk=paid.pk).refunded_total == after_sale.amount


@pytest.mark.parametrize("body", [
    b"not xml",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b"<x/>",
])
def test_bad_receipts_are_refused_and_change_nothing(paid, body):
    run_until_quiet()
    count = Receipt.objects.count()
    with pytest.raises(DomainError) as exc:
        services.receive(body)
    assert exc.value.code == "bad_receipt"
    assert Receipt.objects.count() == count


def test_receipt_for_an_unknown_order_is_recorded_not_applied(paid):
    assert services.receive(_receipt("INOSUCH", "800", "20261125100000000")) == ["unknown"]
    assert Receipt.objects.get(business_key="INOSUCH").outcome == Receipt.Outcome.UNKNOWN
    assert not Order.objects.filter(cleared_at__isnull=False).exists()


def test_direct_mail_9610_order_is_declared_with_its_transport_and_released():
    sku = make_sku(price="45.00")
    make_stock(make_warehouse("direct_mail"), sku, 5)
    order = place_paid_order(make_buyer(), sku)
    assert order.trade_mode == "9610"
    run_until_quiet()
    declaration = Declaration.objects.get(order=order)
    assert declaration.state in (Declaration.State.RELEASED, Declaration.State.CLOSED)
    inner = _sent("CEB621")
    assert b"<ceb:tradeMode>9610</ceb:tradeMode>" in inner and b"<ceb:trafNo>" in inner


def test_receipt_that_does_not_validate_changes_nothing(paid):
    services.declare(paid.pk)
    declaration = Declaration.objects.get(order=paid)
    good = _receipt(declaration.cop_no, "120", "20261125100000000").decode()
    bad = good.replace("<ceb:returnStatus>120</ceb:returnStatus>",
                       "<ceb:returnStatus>-junk</ceb:returnStatus>")
    bad = bad.replace("<ceb:returnTime>20261125100000000</ceb:returnTime>",
                      "<ceb:returnTime>garbage</ceb:returnTime>")
    with pytest.raises(DomainError) as exc:
        services.receive(bad.encode())
    assert exc.value.code == "bad_receipt"
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.DECLARING
    assert Order.objects.get(pk=paid.pk).state == S.PAID


def test_already_declared_answer_is_not_a_rejection(paid):
    services.declare(paid.pk)
    declaration = Declaration.objects.get(order=paid)
    assert services.receive(_receipt(declaration.cop_no, "-621004", "20261125100000000",
                                     "清单已经申报过，请勿重复申报")) == ["ignored"]
    assert Declaration.objects.get(pk=declaration.pk).state == Declaration.State.DECLARING
    assert Order.objects.get(pk=paid.pk).state == S.PAID


def test_cancellation_approved_after_shipping_does_not_refund(paid, operator):
    run_until_quiet()
    declaration = Declaration.objects.get(order=paid)
    order_services.mark_shipped(paid.pk, operator)
    record = ceb.InvtCancelReturn(cop_no=declaration.cop_no, pre_no="B20261125000000001",
                                  invt_no=declaration.invt_no or "29912026I000000001",
                                  return_status="399", return_time="20991125100000000",
                                  return_info="撤单审批通过", customs_code="2991",
                                  agent_code="3301000005", ebp_code="3301960SQP",
                                  ebc_code="3301000005")
    body = messages.to_bytes(messages.build_message("CEB624Message", [record]))
    assert services.receive(body) == ["ignored"]
    assert Order.objects.get(pk=paid.pk).state == S.SHIPPED
    assert not Refund.objects.filter(payment__order=paid).exists()
    assert "人工" in Declaration.objects.get(pk=declaration.pk).status_info


def test_tax_inclusive_order_of_several_units_is_declared_and_released():
    sku = make_sku(price="99.00", price_includes_tax=True, vat_rate="0.09")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(make_buyer(), sku, qty=3)
    run_until_quiet()
    declaration = Declaration.objects.get(order=order)
    assert declaration.state in (Declaration.State.RELEASED, Declaration.State.CLOSED)
    # 包税: the buyer paid gross − net (17.61); customs levies its rate on the net
    # value (279.39 × 6.3 % = 17.60). The cent is the rounding of the tax-inclusive
    # convention, absorbed by the seller.
    collected = Order.objects.get(pk=order.pk).tax_total
    assert declaration.customs_tax is not None
    assert abs(declaration.customs_tax - collected) <= Decimal("0.01")


def test_messages_are_stored_encrypted(paid):
    """They carry the buyer's ID number and phones in clear (customs needs them):
    at rest, nothing of them is readable."""
    from shequn.core import pii

    services.declare(paid.pk)
    id_number = pii.decrypt(paid.buyer_id_enc)
    for message in Message.objects.filter(declaration__order=paid):
        if message.kind != "CEB511":  # the waybill names the consignee, not the ID
            assert id_number.encode() in dxp.unwrap(message.sent_bytes()).data
        assert id_number not in message.body_enc
        assert id_number[-6:] not in message.body_enc


def _delivered(paid, operator):
    run_until_quiet()
    order_services.mark_shipped(paid.pk, operator)
    order_services.mark_delivered(paid.pk, operator)
    return paid.lines.get()


def test_two_returns_of_one_order_are_declared_one_after_the_other(paid, operator):
    line = _delivered(paid, operator)
    first = returns.request_return(paid.user, paid.pk, [(line.pk, 1)], "一")
    second = returns.request_return(paid.user, paid.pk, [(line.pk, 1)], "二")
    returns.decide_return(operator, first.pk, approve=True)
    returns.decide_return(operator, second.pk, approve=True)
    outbox.drain()  # both approvals handled; only the first is declared yet
    assert ReturnDeclaration.objects.count() == 1
    run_until_quiet()
    assert Message.objects.filter(kind="CEB625").count() == 2
    for after_sale in (first, second):
        after_sale.refresh_from_db()
        assert after_sale.state == AfterSale.State.REFUNDED
    assert Order.objects.get(pk=paid.pk).refunded_total == first.amount + second.amount


def test_return_refused_by_customs_is_closed_and_the_order_can_complete(paid, operator):
    import datetime as dt

    from shequn.core import clock

    line = _delivered(paid, operator)
    after_sale = returns.request_return(paid.user, paid.pk, [(line.pk, 1)], "x")
    returns.decide_return(operator, after_sale.pk, approve=True)
    outbox.drain()
    ret = ReturnDeclaration.objects.get(after_sale=after_sale)
    record = ceb.InvtRefundReturn(cop_no=ret.cop_no, pre_no="B20261125000000002",
                                  invt_no=ret.declaration.invt_no or "29912026I000000001",
                                  return_status="100", return_time="20991125100000000",
                                  return_info="退货商品与原清单不符", customs_code="2991",
                                  agent_code="3301000005", ebp_code="3301960SQP",
                                  ebc_code="3301000005")
    body = messages.to_bytes(messages.build_message("CEB626Message", [record]))
    assert services.receive(body) == ["applied"]
    run_until_quiet()
    after_sale.refresh_from_db()
    assert after_sale.state == AfterSale.State.REJECTED and "海关" in after_sale.decision_note
    assert not Refund.objects.filter(payment__order=paid, reason__contains="return").exists()
    clock.advance(dt.timedelta(days=8))
    assert returns.complete_due() == 1


def test_operator_refund_of_a_declared_order_is_refused_until_cancelled(paid, operator, client):
    run_until_quiet()  # declared and released
    client.force_login(operator)
    resp = client.post(f"/api/v1/ops/orders/{paid.number}/refund", {"reason": "x"},
                       content_type="application/json")
    assert resp.status_code == 409 and resp.json()["code"] == "declared_use_cancel"
    assert Order.objects.get(pk=paid.pk).state == S.PAID
    assert not Refund.objects.filter(payment__order=paid).exists()


def _tax_bill(invt_no: str, status: str, at: str, vat: str = "10.00") -> bytes:
    head = ceb.TaxHead(return_time=at, invt_no=invt_no, tax_no=f"{invt_no}_0",
                       customs_tax=Decimal("0"), value_added_tax=Decimal(vat),
                       consumption_tax=Decimal("0"), status=status)
    line = ceb.TaxLine(gnum=1, gcode="2201101000", tax_price=Decimal("100.0"),
                       customs_tax=Decimal("0"), value_added_tax=Decimal(vat),
                       consumption_tax=Decimal("0"))
    return messages.to_bytes(messages.build_message("CEB816Message",
                                                    [ceb.Tax(head=head, lines=(line,))]))


def _tax_void(invt_no: str, at: str) -> bytes:
    record = ceb.TaxStatus(return_time=at, invt_no=invt_no, tax_no=f"{invt_no}_0", status="3")
    return messages.to_bytes(messages.build_message("CEB818Message", [record]))


def test_a_full_return_voids_the_tax_bill(paid, operator):
    # Customs voids the tax bill (CEB818 status 3) once every unit came back: the
    # declaration no longer shows a tax the buyer does not owe.
    line = _delivered(paid, operator)
    declaration = Declaration.objects.get(order=paid)
    assert declaration.customs_tax == paid.tax_total
    after_sale = returns.request_return(paid.user, paid.pk, [(line.pk, 2)], "不合适")
    returns.decide_return(operator, after_sale.pk, approve=True)
    run_until_quiet()
    declaration.refresh_from_db()
    assert declaration.customs_tax is None
    void = Receipt.objects.get(kind="TaxStatus")
    assert void.declaration_id == declaration.pk
    assert void.outcome == Receipt.Outcome.APPLIED


def test_a_void_tax_bill_stays_void_whatever_arrives_after_it(paid):
    run_until_quiet()
    declaration = Declaration.objects.get(order=paid)
    invt_no = declaration.invt_no
    assert invt_no and declaration.customs_tax is not None
    # Void first, then a (late) status-1 bill: still void.
    assert services.receive(_tax_void(invt_no, "20991231235959000")) == ["applied"]
    services.receive(_tax_bill(invt_no, "1", "20991231235958000"))
    declaration.refresh_from_db()
    assert declaration.customs_tax is None
    # A CEB816 saying status 3 itself is a void bill too.
    Declaration.objects.filter(pk=declaration.pk).update(customs_tax=Decimal("1.00"))
    services.receive(_tax_bill(invt_no, "3", "20991231235957000", vat="11.00"))
    declaration.refresh_from_db()
    assert declaration.customs_tax is None
