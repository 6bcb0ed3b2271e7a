"""Orders paid with WeChat Pay clear without a CEB411 of ours: WeChat Pay is
asked to push the payment record (支付单报关), the declaration is polled until
SUCCESS, which lets the inventory list (CEB621) leave and the order clear;
FAIL or a payer WeChat does not know as the buyer hold the order for an
operator. Duplicates and restarts change nothing twice."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.customs import events, paydecl, services
from shequn.customs.models import Declaration, Message, PaymentDeclaration
from shequn.customs.wxdeclare import client as wx
from shequn.customs.wxdeclare import sim
from shequn.orders import services as order_services
from shequn.orders.models import Order

from .wechat_paydecl_helpers import run_until_quiet, wechat_paid_order

pytestmark = pytest.mark.django_db
P = PaymentDeclaration.State


def settle() -> None:
    """Drain the outbox until the events the handlers emit have run too."""
    for _ in range(3):
        outbox.drain()


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="customs-op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def test_wechat_paid_order_is_declared_by_wechat_and_clears(operator):
    order = wechat_paid_order()
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.ACCEPTED and pd.wx_state == "SUCCESS"
    assert pd.cert_check_result == "SAME"
    assert (pd.customs, pd.mch_customs_no) == ("HANGZHOU_ZS", "3301960SQP")
    assert pd.attempts == 1 and pd.polls >= 2 and pd.decided_at is not None
    declaration = Declaration.objects.get(order=order)
    # No CEB411 of ours: WeChat Pay pushed the payment record.
    kinds = list(Message.objects.filter(declaration=declaration).values_list("kind", flat=True))
    assert kinds == ["CEB311", "CEB511", "CEB621"]
    assert declaration.state in (Declaration.State.RELEASED, Declaration.State.CLOSED)
    order.refresh_from_db()
    assert order.cleared_at is not None
    # The inventory list left only after WeChat's SUCCESS.
    sent = Message.objects.get(declaration=declaration, kind="CEB621").sent_at
    assert sent is not None and sent >= pd.decided_at
    # Our CEB311 names Tenpay as the payment enterprise, with WeChat's transaction id.
    record = sim.get().records[f"{order.payments.get().provider_txn_id}|"]
    assert record.state == "SUCCESS" and record.pushed == 1
    order_services.mark_shipped(order.pk, operator)
    assert Order.objects.get(pk=order.pk).state == Order.State.SHIPPED


def test_inventory_waits_for_the_declaration():
    order = wechat_paid_order()
    settle()
    services.pump_embedded()
    outbox.drain()
    declaration = Declaration.objects.get(order=order)
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.SUBMITTED and pd.wx_state == "UNDECLARED"
    # 311 and 511 handed over, the 621 still waits for WeChat's SUCCESS.
    assert Message.objects.get(declaration=declaration, kind="CEB311").state == "sent"
    assert Message.objects.get(declaration=declaration, kind="CEB621").state == "queued"
    assert not OutboxEvent.objects.filter(
        topic=events.SEND,
        aggregate_id=str(Message.objects.get(declaration=declaration, kind="CEB621").pk)
    ).exists()
    assert paydecl.poll(pd.pk) == "progress"
    assert paydecl.poll(pd.pk) == "progress"
    assert paydecl.poll(pd.pk) == "accepted"
    assert OutboxEvent.objects.filter(
        topic=events.SEND,
        aggregate_id=str(Message.objects.get(declaration=declaration, kind="CEB621").pk)
    ).count() == 1


def test_fail_holds_the_order_with_the_reason():
    sim.get().add_fault("query", "fail")
    order = wechat_paid_order()
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.FAILED and pd.wx_state == "FAIL"
    assert "支付单校验不通过" in pd.error
    order.refresh_from_db()
    assert order.state == Order.State.ON_HOLD
    assert order.hold_reason == paydecl.HOLD_FAILED
    assert order.cleared_at is None
    declaration = Declaration.objects.get(order=order)
    assert Message.objects.get(declaration=declaration, kind="CEB621").state == "queued"
    assert pd.held_at is not None


def test_cleared_hold_submits_again_with_modify_and_clears(operator):
    sim.get().add_fault("query", "fail")
    order = wechat_paid_order()
    run_until_quiet()
    order_services.clear_hold(order.pk, operator, "买家确认，重新申报")
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.ACCEPTED and pd.action_type == "MODIFY" and pd.attempts == 2
    order.refresh_from_db()
    assert order.state == Order.State.PAID and order.cleared_at is not None


def test_different_payer_holds_the_order_until_an_operator_clears_it(operator):
    order = wechat_paid_order()
    txn = order.payments.get().provider_txn_id
    sim.register_lookup(lambda t: sim.Txn(t, order.number, payer_name="李四",
                                          payer_id="110101199003077777") if t == txn else None)
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.cert_check_result == "DIFFERENT"
    order.refresh_from_db()
    assert order.state == Order.State.ON_HOLD
    assert order.hold_reason == paydecl.HOLD_DIFFERENT
    # WeChat went on (it pushes the payer it knows), but nothing leaves for customs.
    assert pd.state == P.ACCEPTED
    declaration = Declaration.objects.get(order=order)
    assert Message.objects.get(declaration=declaration, kind="CEB621").state == "queued"
    # The operator decides to go on: the inventory list leaves (customs decides).
    order_services.clear_hold(order.pk, operator, "已核实")
    run_until_quiet()
    assert Message.objects.get(declaration=declaration, kind="CEB621").state == "sent"
    assert PaymentDeclaration.objects.get(pk=pd.pk).hold_cleared_at is not None


def test_refused_request_holds_the_order():
    # WeChat knows another registration number for that customs office.
    sim.get().config.registrations = {"HANGZHOU_ZS": "3301960XXX"}
    order = wechat_paid_order()
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.FAILED and pd.error.startswith("PARAM_ERROR")
    assert Order.objects.get(pk=order.pk).state == Order.State.ON_HOLD


def test_duplicate_submission_and_polls_change_nothing_twice():
    order = wechat_paid_order()
    settle()
    pd = PaymentDeclaration.objects.get(order=order)
    assert paydecl.submit(pd.pk) == "skipped"           # already submitted
    # A second declare of the order adds no declaration and no event.
    services.declare(order.pk)
    assert PaymentDeclaration.objects.filter(order=order).count() == 1
    assert OutboxEvent.objects.filter(topic=events.PAYDECL_SUBMIT).count() == 1
    for _ in range(3):
        paydecl.poll(pd.pk)
    assert PaymentDeclaration.objects.get(pk=pd.pk).state == P.ACCEPTED
    assert paydecl.poll(pd.pk) == "skipped"
    # A late answer applied again changes nothing.
    item = wx.QueryItem(state="SUCCESS", cert_check_result="SAME")
    assert paydecl._apply(pd.pk, item) == "duplicate"
    declaration = Declaration.objects.get(order=order)
    inventory = Message.objects.get(declaration=declaration, kind="CEB621")
    paydecl._accepted(pd.pk)
    assert OutboxEvent.objects.filter(topic=events.SEND,
                                      aggregate_id=str(inventory.pk)).count() == 1
    assert sim.get().records[f"{order.payments.get().provider_txn_id}|"].pushed == 1


def test_restart_after_a_lost_answer_resumes():
    """The process died after WeChat took the submission but before its answer
    was recorded: the retry gets 35311004 (already submitted) and polls."""
    order = wechat_paid_order()
    pd_event = None
    for event in OutboxEvent.objects.filter(topic="order.paid"):
        outbox.process(event)
    pd = PaymentDeclaration.objects.get(order=order)
    pd_event = OutboxEvent.objects.get(topic=events.PAYDECL_SUBMIT)
    # WeChat got it; our record of the answer was lost.
    request = paydecl._request(pd)
    paydecl.client().declare(request)
    PaymentDeclaration.objects.filter(pk=pd.pk).update(state=P.QUEUED, attempts=1)
    outbox.process(pd_event)
    pd.refresh_from_db()
    assert pd.state == P.SUBMITTED and pd.attempts == 2 and pd.error == ""
    run_until_quiet()
    assert PaymentDeclaration.objects.get(pk=pd.pk).state == P.ACCEPTED
    assert Order.objects.get(pk=order.pk).cleared_at is not None


def test_transport_failure_is_retried_by_the_outbox():
    sim.get().add_fault("declare", "timeout")
    order = wechat_paid_order()
    settle()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.QUEUED and "timeout" in pd.error
    event = OutboxEvent.objects.get(topic=events.PAYDECL_SUBMIT)
    assert event.processed_at is None and event.attempts == 1
    run_until_quiet(step_seconds=120)
    assert PaymentDeclaration.objects.get(pk=pd.pk).state == P.ACCEPTED


@pytest.mark.parametrize("fault", ["bad_response_sign", "unsigned_response"])
def test_answers_with_a_bad_signature_are_refused(fault):
    sim.get().add_fault("declare", fault)
    order = wechat_paid_order()
    settle()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.QUEUED and "SignatureRefused" in pd.error
    sim.get().add_fault("query", fault)
    run_until_quiet(step_seconds=120)
    pd.refresh_from_db()
    assert pd.state == P.ACCEPTED


def test_bad_signature_on_query_records_nothing():
    order = wechat_paid_order()
    settle()
    pd = PaymentDeclaration.objects.get(order=order)
    sim.get().add_fault("query", "bad_response_sign")
    assert paydecl.poll(pd.pk) == "error"
    pd.refresh_from_db()
    assert pd.polls == 0 and pd.wx_state == "UNDECLARED" and "SignatureRefused" in pd.error


def test_except_is_pushed_again_then_succeeds():
    sim.get().add_fault("query", "except")
    order = wechat_paid_order()
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.ACCEPTED and pd.repushes == 1
    assert Order.objects.get(pk=order.pk).cleared_at is not None


def test_other_payments_still_send_our_ceb411():
    from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

    sku = make_sku(price="50.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(make_buyer(), sku)
    run_until_quiet()
    assert not PaymentDeclaration.objects.exists()
    assert Message.objects.filter(kind="CEB411").count() == 1
    assert Order.objects.get(pk=order.pk).cleared_at is not None


def test_simulator_state_survives_a_restart():
    """The demo's WeChat keeps its declarations in the database: a restarted
    process (a fresh simulator object) still knows them and goes on."""
    order = wechat_paid_order()
    settle()
    pd = PaymentDeclaration.objects.get(order=order)
    assert paydecl.poll(pd.pk) == "progress"
    sim.reset()
    assert paydecl.poll(pd.pk) == "progress"
    assert paydecl.poll(pd.pk) == "accepted"
    run_until_quiet()
    assert Order.objects.get(pk=order.pk).cleared_at is not None


def test_a_declaration_whose_query_raises_waits_its_turn_again(monkeypatch):
    # Its poll time stayed put: the first `limit` failing declarations filled
    # every run of the job and the others were never queried.
    from shequn.core import clock

    order = wechat_paid_order()
    settle()
    pd = PaymentDeclaration.objects.get(order=order)
    PaymentDeclaration.objects.filter(pk=pd.pk).update(state=P.SUBMITTED,
                                                       next_poll_at=clock.now())

    class Broken:
        def query(self, *args, **kwargs):
            raise RuntimeError("connection reset")

    monkeypatch.setattr(paydecl, "client", lambda: Broken())
    assert paydecl.poll_due() == 0
    pd.refresh_from_db()
    assert pd.next_poll_at > clock.now() and "connection reset" in pd.error
