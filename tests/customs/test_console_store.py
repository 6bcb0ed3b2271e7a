"""The buyer's order page shows customs clearance in plain words
(申报中 → 海关审核 → 已放行 → 已发货) with the times of the steps done, and one
sentence when customs rejected the order or the declaration was cancelled.
Orders never declared show nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from shequn.core import clock, outbox
from shequn.customs import selectors, services
from shequn.customs.ceb import messages
from shequn.customs.ceb import model as ceb
from shequn.customs.models import Declaration, Receipt
from shequn.orders import services as order_services
from shequn.orders.models import Order
from tests.builders import (
    make_buyer,
    make_sku,
    make_stock,
    make_warehouse,
    place_order_for,
    place_paid_order,
)
from tests.customs.test_console import declared, push, receipt

pytestmark = pytest.mark.django_db


def page_of(order: Order, language: str = "zh-hans") -> str:
    c = Client()
    c.force_login(order.user)
    response = c.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def clearance(page: str) -> str:
    found = re.search(r'<section class="card" id="clearance".*?</section>', page, re.S)
    assert found is not None, "no clearance card"
    # Data (the customs reason) sits in a translate="no" span: read the card as text.
    return re.sub(r'<span translate="no">(.*?)</span>', r"\1", found.group(0))


def done_steps(card: str) -> list[str]:
    return re.findall(r'<li class="is-done step-\w+" data-step="(\w+)">', card)


def test_steps_fill_in_as_customs_answers_and_the_warehouse_ships(django_user_model):
    d = declared()
    card = clearance(page_of(d.order))
    assert "申报中" in card and "海关审核" in card and "已放行" in card and "已发货" in card
    assert "Customs review" not in card  # one language per page
    english = clearance(page_of(d.order, "en"))
    assert "Declared to customs" in english and "Customs review" in english
    assert "海关审核" not in english
    assert done_steps(card) == ["declaring"]
    push(d, "120")
    assert done_steps(clearance(page_of(d.order))) == ["declaring", "review"]
    push(d, "800")
    card = clearance(page_of(d.order))
    assert done_steps(card) == ["declaring", "review", "released"]
    released_at = d.released_at.astimezone(selectors.SHANGHAI).strftime("%m-%d %H:%M")
    assert released_at in card
    operator = django_user_model.objects.create(username="ship-op")
    operator.groups.add(Group.objects.get_or_create(name="operator")[0])
    order_services.mark_shipped(d.order_id, operator)
    assert done_steps(clearance(page_of(Order.objects.get(pk=d.order_id)))) == [
        "declaring", "review", "released", "shipped"]


def test_rejection_in_plain_words_with_the_reason_then_refunded():
    d = push(declared(), "100", info="[Code:2101;Desc:风险布控退单]")
    assert d.state == Declaration.State.REJECTED
    card = clearance(page_of(d.order))
    assert "海关退单，退款处理中：风险布控退单" in card
    assert "已放行" not in card  # only the steps that happened
    outbox.drain()  # the refund reacts to customs.rejected
    order = Order.objects.get(pk=d.order_id)
    assert order.state == Order.State.REFUNDED
    card = clearance(page_of(order))
    assert "海关退单，已原路退款：风险布控退单" in card
    assert "[Code:" not in card


def test_cancelled_declaration_says_so(django_user_model):
    d = push(declared(), "120", "300")
    operator = django_user_model.objects.create(username="cancel-op")
    operator.groups.add(Group.objects.get_or_create(name="operator")[0])
    services.request_cancel(operator, d.order_id, "买家取消")
    approval = ceb.InvtCancelReturn(
        customs_code="2991", agent_code="3301000005", ebp_code="3301960SQP",
        ebc_code="3301000005",
        cop_no=d.cop_no, pre_no=d.pre_no, invt_no=d.invt_no, return_status="399",
        return_time="20261125130000000", return_info="[Code:2600;Desc:撤销审批通过]")
    assert services.receive(messages.to_bytes(
        messages.build_message("CEB624Message", [approval]))) == ["applied"]
    outbox.drain()
    card = clearance(page_of(Order.objects.get(pk=d.order_id)))
    assert "清关申报已撤销，已原路退款：撤销审批通过" in card
    assert done_steps(card) == ["declaring", "review"]


def test_orders_never_declared_show_no_clearance():
    sku = make_sku(price="20.00")
    make_stock(make_warehouse(), sku, 5)
    unpaid = place_order_for(make_buyer(), sku)
    paid_not_declared = place_paid_order(make_buyer(), sku)
    for order in (unpaid, paid_not_declared):
        assert 'id="clearance"' not in page_of(order)


def test_review_time_is_when_customs_first_took_it_even_out_of_order():
    d = declared()
    services.receive(receipt(d.cop_no, "800", at="20261125120000000"))
    clock.advance(dt.timedelta(minutes=10))
    services.receive(receipt(d.cop_no, "120", at="20261125110000000"))  # late, ignored
    result = selectors.clearance_for(Order.objects.get(pk=d.order_id))
    assert result is not None
    steps = {s.key: s for s in result.steps}
    assert steps["review"].done and steps["released"].done and not steps["shipped"].done
    release = Receipt.objects.get(declaration=d, return_status="800")
    assert steps["review"].at == release.received_at
