"""An operator acts on a WeChat Pay payment declaration from the ops customs
page now instead of waiting for the poll: "Query WeChat now" polls a submitted
one (SUCCESS lets the inventory list leave as in the poll flow), "Submit to
WeChat again" submits one whose submission failed; a decided one is refused
and nothing changes; operators only, in the audit log."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog, OutboxEvent
from shequn.customs import events, paydecl, services
from shequn.customs.models import Declaration, Message, PaymentDeclaration
from shequn.customs.wxdeclare import sim

from .wechat_paydecl_helpers import run_until_quiet, wechat_paid_order

pytestmark = pytest.mark.django_db
P = PaymentDeclaration.State
ACTION = "customs.paydecl_query_now"


def _user(django_user_model, name: str, role: str):
    user = django_user_model.objects.create(username=name)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def operator(django_user_model):
    return _user(django_user_model, "customs-op", "operator")


@pytest.fixture
def ops(operator):
    c = Client()
    c.force_login(operator)
    return c


def submitted_order():
    """A WeChat-paid order whose declaration WeChat took (UNDECLARED, polled)."""
    order = wechat_paid_order()
    for _ in range(3):
        outbox.drain()
    services.pump_embedded()
    outbox.drain()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.SUBMITTED
    return order, pd


def _url(pd) -> str:
    return f"/ops/customs/wechat/{pd.pk}/query/"


def _section(c, order) -> str:
    html = c.get(f"/ops/customs/{order.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return html.split('id="wechat-declarations"')[1].split("</section>")[0]


def _inventory_sends(order) -> int:
    inventory = Message.objects.get(declaration=Declaration.objects.get(order=order),
                                    kind="CEB621")
    return OutboxEvent.objects.filter(topic=events.SEND,
                                      aggregate_id=str(inventory.pk)).count()


def test_button_queries_wechat_and_applies_success(ops, operator):
    order, pd = submitted_order()
    assert f'data-testid="paydecl-query-{pd.pk}"' in _section(ops, order)
    assert "Query WeChat now" in _section(ops, order)
    assert _inventory_sends(order) == 0
    back = f"/ops/customs/{order.number}/"
    # The simulator answers SUBMITTED, PROCESSING, then SUCCESS: one query per press.
    for expected in ("still being processed", "still being processed", "accepted (SUCCESS)"):
        r = ops.post(_url(pd), {"next": back}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
        assert r.redirect_chain[0] == (back, 302)
        assert expected in r.content.decode()
    pd.refresh_from_db()
    assert pd.state == P.ACCEPTED and pd.wx_state == "SUCCESS" and pd.polls == 3
    # As in the poll flow: the inventory list is queued once.
    assert _inventory_sends(order) == 1
    entries = AuditLog.objects.filter(action=ACTION).order_by("pk")
    assert entries.count() == 3
    last = entries.last()
    assert last.actor == operator
    assert (last.object_type, last.object_id) == ("Order", str(order.pk))
    assert last.detail["outcome"] == "accepted" and last.detail["step"] == "poll"
    assert last.detail["previous_state"] == P.SUBMITTED and last.detail["state"] == P.ACCEPTED
    # Decided: no button any more.
    assert "paydecl-query-" not in _section(ops, order)


def test_decided_declaration_is_refused_and_nothing_changes(ops, operator):
    order = wechat_paid_order()
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.ACCEPTED
    before = PaymentDeclaration.objects.filter(pk=pd.pk).values().get()
    requests = len(sim.get().requests)
    with pytest.raises(DomainError) as err:
        paydecl.query_now(operator, pd.pk)
    assert (err.value.code, err.value.status) == ("payment_declaration_decided", 409)
    r = ops.post(_url(pd), {"next": f"/ops/customs/{order.number}/"},
                 HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "decided this payment declaration already" in r.content.decode()
    assert PaymentDeclaration.objects.filter(pk=pd.pk).values().get() == before
    assert len(sim.get().requests) == requests
    assert not AuditLog.objects.filter(action=ACTION).exists()
    assert "paydecl-query-" not in _section(ops, order)


def test_failed_declaration_is_refused_too(operator):
    sim.get().add_fault("query", "fail")
    order = wechat_paid_order()
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.FAILED
    with pytest.raises(DomainError) as err:
        paydecl.query_now(operator, pd.pk)
    assert err.value.status == 409
    assert PaymentDeclaration.objects.get(pk=pd.pk).state == P.FAILED


def test_unknown_declaration_is_404(operator):
    with pytest.raises(DomainError) as err:
        paydecl.query_now(operator, 999999)
    assert (err.value.code, err.value.status) == ("payment_declaration_not_found", 404)


@pytest.mark.parametrize("role", ["buyer", "leader", "brand"])
def test_non_operators_are_refused(django_user_model, role):
    order, pd = submitted_order()
    user = _user(django_user_model, f"u-{role}", role)
    c = Client()
    c.force_login(user)
    assert c.post(_url(pd)).status_code == 403
    with pytest.raises(DomainError) as err:
        paydecl.query_now(user, pd.pk)
    assert err.value.status == 403
    anonymous = Client().post(_url(pd))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    pd2 = PaymentDeclaration.objects.get(pk=pd.pk)
    assert (pd2.state, pd2.polls) == (P.SUBMITTED, 0)
    assert not AuditLog.objects.filter(action=ACTION).exists()


def test_get_is_not_allowed(ops):
    _, pd = submitted_order()
    assert ops.get(_url(pd)).status_code == 405


def test_failed_submission_is_submitted_again(ops, operator):
    sim.get().add_fault("declare", "system_error")
    order = wechat_paid_order()
    for _ in range(3):
        outbox.drain()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.QUEUED and pd.attempts == 1 and "SYSTEMERROR" in pd.error
    section = _section(ops, order)
    assert f'data-testid="paydecl-query-{pd.pk}"' in section
    assert "Submit to WeChat again" in section
    r = ops.post(_url(pd), {"next": f"/ops/customs/{order.number}/"},
                 HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "submitted" in r.content.decode()
    pd.refresh_from_db()
    assert pd.state == P.SUBMITTED and pd.attempts == 2 and pd.error == ""
    entry = AuditLog.objects.get(action=ACTION)
    assert entry.detail["step"] == "submit" and entry.detail["outcome"] == "submitted"
    # The outbox's own retry later changes nothing twice; the flow goes on.
    run_until_quiet(step_seconds=120)
    pd.refresh_from_db()
    assert pd.state == P.ACCEPTED and pd.attempts == 2


def test_queued_not_yet_tried_has_no_button_and_is_refused(ops, operator):
    order = wechat_paid_order()
    # Run every event but the submission: the declaration waits to be submitted.
    for _ in range(3):
        for pk in (OutboxEvent.objects.filter(processed_at__isnull=True)
                   .exclude(topic=events.PAYDECL_SUBMIT).values_list("pk", flat=True)):
            outbox.process(pk)
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.QUEUED and pd.attempts == 0
    with pytest.raises(DomainError) as err:
        paydecl.query_now(operator, pd.pk)
    assert (err.value.code, err.value.status) == ("payment_declaration_waiting", 409)
    assert "paydecl-query-" not in _section(ops, order)
    assert PaymentDeclaration.objects.get(pk=pd.pk).attempts == 0


@pytest.fixture
def dead_submit():
    """A declaration whose submission failed and whose submit event the outbox
    gave up on (a dead letter): (order, declaration, its submit events)."""
    from shequn.core import clock

    sim.get().add_fault("declare", "system_error")
    order = wechat_paid_order()
    for _ in range(3):
        outbox.drain()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == P.QUEUED
    submits = OutboxEvent.objects.filter(topic=events.PaymentDeclarationQueued.topic,
                                         aggregate_id=str(pd.pk))
    submits.update(dead_at=clock.now())
    return order, pd, submits


def test_submitting_again_takes_the_dead_letter_off_the_list(ops, dead_submit):
    order, pd, submits = dead_submit
    ops.post(_url(pd), {"next": f"/ops/customs/{order.number}/"})
    pd.refresh_from_db()
    assert pd.state == P.SUBMITTED
    assert all(e.discarded_at is not None and e.processed_at is not None for e in submits)
    assert AuditLog.objects.filter(action="outbox.discard").count() == submits.count() == 1


def test_a_failed_resubmission_keeps_the_dead_letter(ops, dead_submit):
    order, pd, submits = dead_submit
    sim.get().add_fault("declare", "system_error")
    ops.post(_url(pd), {"next": f"/ops/customs/{order.number}/"})
    pd.refresh_from_db()
    assert pd.state == P.QUEUED and pd.attempts == 2
    assert all(e.discarded_at is None for e in submits)
