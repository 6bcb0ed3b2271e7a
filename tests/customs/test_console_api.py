"""Operators' customs API (/api/v1/customs/…): declarations by state, one
declaration with its messages, receipts and history, cancel (CEB623) and
resend. Anonymous callers get 401, buyers and leaders 403 ``not_operator``,
and nothing changes for them."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.core import outbox
from shequn.core.models import AuditLog
from shequn.customs.models import Declaration, Message
from tests.customs.test_console import (
    client_for,
    declared,
    embedded_gateway,
    push,
    send_events,
    unreachable_gateway,
    until_dead,
    user_with,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/customs"


@pytest.fixture
def op(django_user_model) -> Client:
    return client_for(user_with(django_user_model, "api-op", "operator"))


def test_list_by_state_and_search(op):
    a, b = declared(), push(declared(), "120", "300")
    everything = op.get(f"{API}/declarations").json()
    assert {d["order_number"] for d in everything} == {a.order.number, b.order.number}
    review = op.get(f"{API}/declarations", {"state": "review"}).json()
    assert [d["order_number"] for d in review] == [b.order.number]
    assert review[0]["state_label"] == "人工审核" and review[0]["invt_no"]
    found = op.get(f"{API}/declarations", {"q": a.order.number}).json()
    assert [d["order_number"] for d in found] == [a.order.number]
    bad = op.get(f"{API}/declarations", {"state": "nonsense"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    assert len(op.get(f"{API}/declarations", {"limit": 1}).json()) == 1


def test_detail_with_receipts_messages_and_history(op):
    d = push(declared(), "120", "800")
    body = op.get(f"{API}/declarations/{d.order.number}").json()
    assert body["state"] == "released" and body["released_at"]
    assert [r["return_status"] for r in body["receipts"]] == ["120", "800"]
    assert all(r["outcome"] == "applied" for r in body["receipts"])
    assert [m["kind"] for m in body["messages"]] == ["CEB311", "CEB411", "CEB511", "CEB621"]
    assert [(h["from_state"], h["to_state"]) for h in body["history"]] == [
        ("declaring", "accepted"), ("accepted", "released")]
    missing = op.get(f"{API}/declarations/00000000")
    assert missing.status_code == 404 and missing.json()["code"] == "no_declaration"


def test_cancel_requires_a_reason_then_queues_ceb623_and_audits(op):
    d = push(declared(), "120", "300")
    url = f"{API}/declarations/{d.order.number}/cancel"
    empty = op.post(url, {"reason": " "}, content_type="application/json")
    assert empty.status_code == 422 and empty.json()["code"] == "reason_required"
    assert not Message.objects.filter(kind="CEB623").exists()
    response = op.post(url, {"reason": "买家要求"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["messages"][-1]["kind"] == "CEB623"
    assert AuditLog.objects.get(action="customs.cancel").detail["reason"] == "买家要求"


def test_cancel_after_release_is_409(op):
    d = push(declared(), "120", "800")
    response = op.post(f"{API}/declarations/{d.order.number}/cancel", {"reason": "晚了"},
                       content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "not_cancellable"
    assert not Message.objects.filter(kind="CEB623").exists()


def test_resend_a_dead_letter(op, settings):
    unreachable_gateway(settings)
    d = declared()
    until_dead()
    message = Message.objects.filter(declaration=d).order_by("pk").first()
    embedded_gateway(settings)
    response = op.post(f"{API}/messages/{message.pk}/resend")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "queued"
    assert [e.state for e in send_events(message).order_by("pk")] == ["discarded", "pending"]
    again = op.post(f"{API}/messages/{message.pk}/resend", content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "customs_message_retrying"
    outbox.drain()
    assert Message.objects.get(pk=message.pk).state == Message.State.SENT
    assert op.post(f"{API}/messages/999999/resend").status_code == 404


@pytest.mark.parametrize("role", [None, "leader"])
def test_buyers_and_leaders_get_403_with_a_code(django_user_model, role):
    d = push(declared(), "120", "300")
    message = Message.objects.filter(declaration=d).first()
    c = client_for(user_with(django_user_model, f"api-{role}", role))
    calls = [c.get(f"{API}/declarations"), c.get(f"{API}/declarations/{d.order.number}"),
             c.post(f"{API}/declarations/{d.order.number}/cancel", {"reason": "x"},
                    content_type="application/json"),
             c.post(f"{API}/messages/{message.pk}/resend", content_type="application/json")]
    for response in calls:
        assert response.status_code == 403
        assert response.json()["code"] == "not_operator"
    # Unknown numbers do not tell them apart from known ones.
    assert c.get(f"{API}/declarations/00000000").status_code == 403
    assert not Message.objects.filter(kind="CEB623").exists()
    assert Declaration.objects.get(pk=d.pk).state == Declaration.State.REVIEW
    assert not AuditLog.objects.filter(action__startswith="customs.").exists()


def test_anonymous_gets_401():
    c = Client()
    assert c.get(f"{API}/declarations").status_code == 401
    assert c.post(f"{API}/messages/1/resend").status_code == 401
