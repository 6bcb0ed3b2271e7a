"""Ops customs console (/ops/customs/): operators only; declarations by state
with filters, stuck ones, rejections with reasons, messages that did not go out
with resend / cancel, the declaration page with its cancel action. Every action
is in the audit log; refused actions change nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import socket

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from shequn.core import clock, outbox
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog, OutboxEvent
from shequn.customs import ops, services
from shequn.customs.ceb import messages
from shequn.customs.ceb import model as ceb
from shequn.customs.models import Declaration, Message
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

pytestmark = pytest.mark.django_db
URL = "/ops/customs/"
_times = itertools.count(1)


# --------------------------------------------------------------------------- helpers

def declared(price: str = "60.00") -> Declaration:
    """A paid order declared to customs (four messages queued, none sent)."""
    sku = make_sku(price=price)
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(make_buyer(), sku)
    declaration = services.declare(order.pk)
    assert declaration is not None
    return declaration


def receipt(cop_no: str, status: str, info: str = "[Code:1800;Desc:逻辑校验通过]",
            at: str | None = None) -> bytes:
    record = ceb.InventoryReturn(cop_no=cop_no, pre_no=f"B2026{cop_no[-13:]}",
                                 invt_no=f"29912026I{cop_no[-9:]}", return_status=status,
                                 return_time=at or f"20261125{next(_times):09d}",
                                 return_info=info, customs_code="2991", ebp_code="3301960SQP",
                                 ebc_code="3301000005", agent_code="3301000005")
    return messages.to_bytes(messages.build_message("CEB622Message", [record]))


def push(declaration: Declaration, *statuses: str, info: str = "[Code:1800;Desc:逻辑校验通过]"
         ) -> Declaration:
    for status in statuses:
        services.receive(receipt(declaration.cop_no, status, info))
    declaration.refresh_from_db()
    return declaration


def user_with(django_user_model, name: str, role: str | None):
    user = django_user_model.objects.create(username=name)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def unreachable_gateway(settings) -> None:
    with socket.socket() as s:  # a port nobody listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_GATEWAY": f"http://127.0.0.1:{port}/ceb"}


def embedded_gateway(settings) -> None:
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_GATEWAY": "embedded"}


def until_dead() -> None:
    """Let the outbox retry every send until it gives up (dead letters)."""
    for _ in range(outbox.MAX_ATTEMPTS + 1):
        outbox.drain()
        clock.advance(dt.timedelta(seconds=outbox.MAX_BACKOFF_SECONDS + 1))


def send_events(message: Message):
    return OutboxEvent.objects.filter(topic="customs.send", aggregate_id=str(message.pk))


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def operator(django_user_model):
    return user_with(django_user_model, "customs-op", "operator")


@pytest.fixture
def ops_client(operator) -> Client:
    return client_for(operator)


@pytest.fixture
def dead(settings) -> Declaration:
    """A declaration whose three documents (311/411/511) ended as dead letters;
    its inventory list (621) waits for them and is not sent at all."""
    unreachable_gateway(settings)
    declaration = declared()
    until_dead()
    queued = Message.objects.filter(declaration=declaration)
    assert set(queued.values_list("state", flat=True)) == {Message.State.QUEUED}
    for message in queued:
        expected = [] if message.kind == "CEB621" else ["dead"]
        assert [e.state for e in send_events(message)] == expected
    return declaration


# --------------------------------------------------------------------------- access

@pytest.mark.parametrize("role", [None, "leader", "brand_staff"])
def test_non_operators_get_403_on_every_page_and_action(django_user_model, role, dead):
    number = dead.order.number
    message = Message.objects.filter(declaration=dead).first()
    c = client_for(user_with(django_user_model, f"u-{role}", role))
    assert c.get(URL).status_code == 403
    assert c.get(f"{URL}{number}/").status_code == 403
    assert c.post(f"{URL}{number}/cancel/", {"reason": "x"}).status_code == 403
    assert c.post(f"{URL}messages/{message.pk}/resend/").status_code == 403
    assert c.post(f"{URL}messages/{message.pk}/cancel/", {"reason": "x"}).status_code == 403
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED
    assert not Message.objects.filter(kind="CEB623").exists()
    assert not AuditLog.objects.filter(action__startswith="customs.").exists()


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_nav_links_to_the_console(ops_client):
    page = ops_client.get("/ops/").content.decode()
    assert 'href="/ops/customs/"' in page


# --------------------------------------------------------------------------- lists

def test_counts_by_state_filter_and_search(ops_client):
    a, b, c = declared(), declared(), declared()
    push(b, "120")
    push(c, "120", "800")
    page = ops_client.get(URL).content.decode()
    for state, n in (("declaring", 1), ("accepted", 1), ("released", 1), ("rejected", 0)):
        assert re.search(rf'data-testid="count-{state}">{n}<', page), state
    only_accepted = ops_client.get(URL, {"state": "accepted"}).content.decode()
    assert f'data-declaration="{b.order.number}"' in only_accepted
    assert f'data-declaration="{a.order.number}"' not in only_accepted
    found = ops_client.get(URL, {"q": c.order.number[-6:]}).content.decode()
    assert f'data-declaration="{c.order.number}"' in found
    assert f'data-declaration="{a.order.number}"' not in found
    # An unknown state is ignored rather than an error.
    assert ops_client.get(URL, {"state": "bogus"}).status_code == 200


def test_stuck_declarations_by_minutes_without_receipt_or_change(ops_client):
    waiting = push(declared(), "120")
    released = push(declared(), "120", "800")
    poked = push(declared(), "120")
    clock.advance(dt.timedelta(minutes=45))
    # A receipt 45 minutes later that changed nothing still shows customs is alive.
    services.receive(receipt(poked.cop_no, "2"))
    fresh = declared()

    def stuck(**params) -> str:
        return ops_client.get(URL, params).content.decode()

    page = stuck()
    assert f'data-stuck="{waiting.order.number}"' in page
    assert f'data-stuck="{released.order.number}"' not in page
    assert f'data-stuck="{poked.order.number}"' not in page
    assert f'data-stuck="{fresh.order.number}"' not in page
    assert 'data-testid="stuck-total">1<' in page
    assert f'data-stuck="{waiting.order.number}"' not in stuck(minutes="60")
    assert f'data-stuck="{waiting.order.number}"' in stuck(minutes="44")
    assert "data-stuck=" in stuck(minutes="nonsense")  # falls back to 30


def test_rejections_show_customs_reason_in_plain_words(ops_client):
    rejected = push(declared(), "100", info="[Code:2101;Desc:风险布控退单]")
    assert rejected.state == Declaration.State.REJECTED
    page = ops_client.get(URL).content.decode()
    row = re.search(rf'<tr data-rejected="{rejected.order.number}">.*?</tr>', page, re.S)
    assert row is not None
    assert "风险布控退单" in row.group(0) and ">100<" in row.group(0)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rejection_reason_is_data_on_a_page_in_either_language(ops_client, language):
    # Customs' own words (its raw "[Code:…;Desc:…]" too, in the row's tooltip) are
    # data, marked so: the page's language check must not count them as interface text.
    from tests.web.language import assert_one_language, page

    push(declared(), "100", info="[Code:2101;Desc:风险布控退单]")
    assert_one_language(page(ops_client, URL, language), language, URL)


def test_chart_data_and_table_fallback_are_on_the_page(ops_client):
    page = ops_client.get(URL).content.decode()
    assert 'id="release-times"' in page and "/static/vendor/echarts.min.js" in page
    assert page.count("<tr data-day=") == 14


# --------------------------------------------------------------------------- messages

def test_dead_letters_are_listed_and_resend_sends_them(ops_client, dead, settings):
    page = ops_client.get(URL).content.decode()
    queued = list(Message.objects.filter(declaration=dead).exclude(kind="CEB621")
                  .order_by("pk"))
    for m in queued:
        assert f'data-message="{m.pk}"' in page
    message = queued[0]
    embedded_gateway(settings)
    response = ops_client.post(f"{URL}messages/{message.pk}/resend/",
                               {"reason": "网关恢复", "next": f"{URL}#failing"})
    assert response.status_code == 302 and response["Location"] == f"{URL}#failing"
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED and message.last_error == ""
    events = list(send_events(message).order_by("pk"))
    assert events[0].state == "discarded"  # the dead letter left the dead-letter list
    assert events[-1].state == "pending"
    entry = AuditLog.objects.get(action="customs.message_resend")
    assert entry.object_id == str(message.pk) and entry.detail["note"] == "网关恢复"
    assert AuditLog.objects.filter(action="outbox.discard", object_id=str(events[0].pk)).exists()
    outbox.drain()
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_cancel_message_needs_a_reason_then_it_is_never_sent(ops_client, operator, dead,
                                                             settings):
    message = Message.objects.filter(declaration=dead).order_by("pk").first()
    ops_client.post(f"{URL}messages/{message.pk}/cancel/", {"reason": "  "})
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED
    assert not AuditLog.objects.filter(action="customs.message_cancel").exists()
    ops_client.post(f"{URL}messages/{message.pk}/cancel/", {"reason": "订单已人工处理"})
    message.refresh_from_db()
    assert message.state == Message.State.CANCELLED
    assert message.cancel_reason == "订单已人工处理"
    entry = AuditLog.objects.get(action="customs.message_cancel")
    assert entry.detail["reason"] == "订单已人工处理"
    page = ops_client.get(URL).content.decode()
    assert f'data-message="{message.pk}"' not in page
    with_cancelled = ops_client.get(URL, {"cancelled": "1"}).content.decode()
    assert f'data-message="{message.pk}"' in with_cancelled
    assert "订单已人工处理" in with_cancelled and "已放弃" in with_cancelled
    embedded_gateway(settings)
    outbox.drain()
    message.refresh_from_db()
    assert message.state == Message.State.CANCELLED
    assert not send_events(message).filter(processed_at__isnull=True).exists()
    # Given up is final: it cannot be queued again.
    with pytest.raises(DomainError) as exc:
        ops.resend_message(operator, message.pk)
    assert exc.value.code == "customs_message_cancelled"


def test_resend_refused_while_retrying_after_sent_and_for_non_operators(dead, operator,
                                                                        settings):
    message = Message.objects.filter(declaration=dead).order_by("pk").first()
    with pytest.raises(DomainError) as exc:
        ops.resend_message(make_buyer(), message.pk)
    assert exc.value.code == "not_operator" and exc.value.status == 403
    with pytest.raises(DomainError) as exc:
        ops.resend_message(operator, 999_999)
    assert exc.value.status == 404
    ops.resend_message(operator, message.pk)
    # Now a fresh send is scheduled: acting again would send it twice.
    with pytest.raises(DomainError) as exc:
        ops.resend_message(operator, message.pk)
    assert exc.value.code == "customs_message_retrying"
    with pytest.raises(DomainError) as exc:
        ops.cancel_message(operator, message.pk, "x")
    assert exc.value.code == "customs_message_retrying"
    embedded_gateway(settings)
    outbox.drain()
    with pytest.raises(DomainError) as exc:
        ops.resend_message(operator, message.pk)
    assert exc.value.code == "customs_message_sent"
    assert AuditLog.objects.filter(action="customs.message_resend").count() == 1


def test_a_message_refused_by_customs_can_be_resent(operator, settings):
    """CEB900 (format error) marks the message failed; its send event is done."""
    declaration = declared()
    outbox.drain()  # sent to the (embedded) single window
    message = Message.objects.filter(declaration=declaration).order_by("pk").first()
    assert message.state == Message.State.SENT
    error = ceb.MessageReturn(return_status="-3001", return_time="20261125100000000",
                              return_info="报文格式错误", ori_cop_msg_id=message.cop_msg_id,
                              ori_message_type=message.kind, ori_biz_message="")
    services.receive(messages.to_bytes(messages.build_message("CEB900Message", [error])))
    message.refresh_from_db()
    assert message.state == Message.State.FAILED
    ops.resend_message(operator, message.pk, note="fixed")
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED
    assert send_events(message).filter(processed_at__isnull=True).count() == 1
    page = client_for(operator).get(URL).content.decode()
    row = re.search(rf'<tr data-message="{message.pk}">.*?</tr>', page, re.S)
    assert row is not None and "已重新排队" in row.group(0)  # until it is sent
    outbox.drain()
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    page = client_for(operator).get(URL).content.decode()
    assert f'data-message="{message.pk}"' not in page


# --------------------------------------------------------------------------- declaration

def test_detail_page_shows_messages_receipts_in_return_time_order_and_history(ops_client):
    d = declared()
    services.receive(receipt(d.cop_no, "800", "[Code:2600;Desc:放行]", at="20261125120000000"))
    services.receive(receipt(d.cop_no, "120", at="20261125110000000"))  # late: ignored
    services.receive(receipt(d.cop_no, "2", at="20261125100000000"))    # later still
    page = ops_client.get(f"{URL}{d.order.number}/").content.decode()
    times = re.findall(r'<tr data-receipt="\d+"><td translate="no" class="mono">(\d+)</td>', page)
    assert times == ["20261125100000000", "20261125110000000", "20261125120000000"]
    assert re.findall(r'<li data-to="(\w+)">', page) == ["released"]
    for kind in ("CEB311", "CEB411", "CEB511", "CEB621"):
        assert f'<td translate="no" class="mono">{kind}</td>' in page
    assert 'data-testid="declaration-state">已放行<' in page
    assert 'data-testid="cancel-declaration"' not in page  # released: not cancellable
    assert ops_client.get(f"{URL}000000/").status_code == 404


def test_cancel_declaration_from_the_page(ops_client):
    d = push(declared(), "120", "300")
    assert d.state == Declaration.State.REVIEW
    page = ops_client.get(f"{URL}{d.order.number}/").content.decode()
    assert 'data-testid="cancel-declaration"' in page
    ops_client.post(f"{URL}{d.order.number}/cancel/", {"reason": ""})
    assert not Message.objects.filter(kind="CEB623").exists()
    response = ops_client.post(f"{URL}{d.order.number}/cancel/", {"reason": "买家要求取消"})
    assert response.status_code == 302
    assert Message.objects.filter(declaration=d, kind="CEB623").count() == 1
    entry = AuditLog.objects.get(action="customs.cancel")
    assert entry.detail["reason"] == "买家要求取消"


def test_cancel_refused_after_release_changes_nothing(ops_client):
    d = push(declared(), "120", "800")
    response = ops_client.post(f"{URL}{d.order.number}/cancel/", {"reason": "太晚了"},
                               follow=True)
    assert "不能撤销" in response.content.decode()
    assert not Message.objects.filter(kind="CEB623").exists()
    assert not AuditLog.objects.filter(action="customs.cancel").exists()
