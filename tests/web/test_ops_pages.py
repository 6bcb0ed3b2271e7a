"""Operator console: access by role, order actions through the page, and no
personal data in clear on any page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from shequn.accounts.models import User
from shequn.core import clock, outbox
from shequn.core.models import AuditLog, OutboxEvent
from shequn.demo import seeding as demo
from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments.models import PaymentNotification, Refund
from tests.builders import make_buyer, place_order_for, place_paid_order, resident_id

pytestmark = pytest.mark.django_db

# A valid resident ID used only here, so its plain digits are recognisable in HTML.
KNOWN_ID = resident_id("320102", "19770815", "123")
KNOWN_PHONE = "13755556666"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def data() -> demo.DemoData:
    return demo.seed()


@pytest.fixture
def ops(data: demo.DemoData) -> Client:
    c = Client()
    c.force_login(data.operator)
    return c


@pytest.fixture
def sku(data: demo.DemoData):
    return data.skus["SB-SERUM-30"]


@pytest.fixture
def paid(data: demo.DemoData, sku) -> Order:
    listing = data.shop.listings.get(product=sku.product)
    order = place_paid_order(make_buyer(), sku, shop=data.shop, listing=listing,
                             id_number=KNOWN_ID, phone=KNOWN_PHONE)
    order_services.mark_cleared(order.pk)  # customs released it
    return order


def _pages(number: str) -> list[str]:
    return [reverse("ops:dashboard"), reverse("ops:orders"), reverse("ops:order", args=[number]),
            reverse("ops:audit"), reverse("ops:outbox")]


# --------------------------------------------------------------------------- access

def test_every_page_renders_for_an_operator(ops: Client, paid: Order):
    for url in _pages(paid.number):
        resp = ops.get(url)
        assert resp.status_code == 200, url
        assert "console.css" in resp.content.decode(), url
    for url in (reverse("ops:orders"), reverse("ops:order", args=[paid.number])):
        html = ops.get(url).content.decode()
        assert paid.number in html and "发货" in html and "退款" in html, url


def test_the_order_names_its_channel_and_leader_in_words(ops: Client, paid: Order):
    assert paid.attribution_channel == "link"
    html = ops.get(reverse("ops:order", args=[paid.number]),
                   HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dd data-channel="link">Link</dd>' in html
    assert " · Leader <span" in html
    zh = ops.get(reverse("ops:order", args=[paid.number])).content.decode()
    assert '<dd data-channel="link">链接</dd>' in zh


def test_superuser_counts_as_operator(data: demo.DemoData):
    c = Client()
    c.force_login(data.admin)
    assert c.get(reverse("ops:dashboard")).status_code == 200


def test_a_leader_is_refused(data: demo.DemoData, paid: Order):
    c = Client()
    c.force_login(data.leader)
    for url in _pages(paid.number):
        assert c.get(url).status_code == 403, url
    resp = c.post(reverse("ops:order_action", args=[paid.number, "ship"]), **HX)
    assert resp.status_code == 403
    paid.refresh_from_db()
    assert paid.state == Order.State.PAID


def test_a_buyer_is_refused(paid: Order):
    c = Client()
    c.force_login(paid.user)
    assert c.get(reverse("ops:orders")).status_code == 403


def test_anonymous_is_sent_to_login(paid: Order):
    for url in _pages(paid.number):
        resp = Client().get(url)
        assert resp.status_code == 302
        assert resp["Location"].startswith("/login/?next=")
        assert url.replace("/", "%2F") in resp["Location"] or url in resp["Location"]


# --------------------------------------------------------------------------- actions

def _action(client: Client, order: Order, action: str, **data: str):
    return client.post(reverse("ops:order_action", args=[order.number, action]), data, **HX)


def test_ship_then_deliver_changes_state_and_writes_audit(ops: Client, paid: Order,
                                                           data: demo.DemoData):
    resp = _action(ops, paid, "ship")
    assert resp.status_code == 200
    paid.refresh_from_db()
    assert paid.state == Order.State.SHIPPED
    assert f'id="order-{paid.number}"' in resp.content.decode()
    assert "签收" in resp.content.decode()  # the next action is offered
    assert AuditLog.objects.filter(action="order.ship", object_id=str(paid.pk),
                                   actor=data.operator).count() == 1

    resp = _action(ops, paid, "deliver")
    assert resp.status_code == 200
    paid.refresh_from_db()
    assert paid.state == Order.State.DELIVERED
    assert AuditLog.objects.filter(action="order.deliver", object_id=str(paid.pk)).exists()


def test_refund_from_the_page(ops: Client, paid: Order, data: demo.DemoData):
    resp = _action(ops, paid, "refund", reason="顾客要求 buyer asked")
    assert resp.status_code == 200, resp.content.decode()
    paid.refresh_from_db()
    assert paid.state == Order.State.REFUNDED
    refund = Refund.objects.get(payment__order=paid)
    assert refund.amount == paid.actual_paid
    assert AuditLog.objects.filter(action="payment.refund", actor=data.operator).count() == 1
    detail = ops.get(reverse("ops:order", args=[paid.number])).content.decode()
    assert refund.out_refund_no in detail
    assert "payment.refund" in detail


def test_refund_needs_a_reason(ops: Client, paid: Order):
    resp = _action(ops, paid, "refund", reason="  ")
    assert resp.status_code == 422
    assert "请填写原因" in resp.content.decode()
    paid.refresh_from_db()
    assert paid.state == Order.State.PAID
    assert not Refund.objects.exists()


def test_bad_transition_shows_the_error_and_changes_nothing(ops: Client, paid: Order):
    audit_before = AuditLog.objects.count()
    history_before = paid.history.count()
    resp = _action(ops, paid, "deliver")  # paid → delivered skips shipping
    assert resp.status_code == 409
    html = resp.content.decode()
    assert 'data-code="invalid_transition"' in html
    assert "订单当前状态不允许此操作" in html
    paid.refresh_from_db()
    assert paid.state == Order.State.PAID
    assert paid.history.count() == history_before
    assert AuditLog.objects.count() == audit_before


def test_unpaid_order_cannot_be_refunded(ops: Client, data: demo.DemoData, sku):
    order = place_order_for(make_buyer(), sku)
    resp = _action(ops, order, "refund", reason="test")
    assert resp.status_code == 409
    assert 'data-code="not_refundable"' in resp.content.decode()
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT


def test_clear_hold_from_the_page(ops: Client, data: demo.DemoData, sku):
    held = place_paid_order(make_buyer(), sku, as_other_person=True)
    assert held.state == Order.State.ON_HOLD
    listing = ops.get(reverse("ops:orders") + "?state=on_hold").content.decode()
    assert held.number in listing and "核实通过" in listing
    resp = _action(ops, held, "clear-hold", reason="电话核实为本人家属 verified by phone")
    assert resp.status_code == 200
    held.refresh_from_db()
    assert held.state == Order.State.PAID
    assert AuditLog.objects.filter(action="order.clear_hold", object_id=str(held.pk)).exists()


def test_plain_form_post_redirects_back_with_a_message(ops: Client, paid: Order):
    url = reverse("ops:order_action", args=[paid.number, "deliver"])
    resp = ops.post(url, {"next": "detail"}, follow=True)
    assert resp.redirect_chain[-1][0] == reverse("ops:order", args=[paid.number])
    assert "订单当前状态不允许此操作" in resp.content.decode()
    resp = ops.post(reverse("ops:order_action", args=[paid.number, "ship"]), {"next": "list"})
    assert resp.status_code == 302 and resp["Location"] == reverse("ops:orders")
    paid.refresh_from_db()
    assert paid.state == Order.State.SHIPPED


def test_unknown_action_and_order_are_404(ops: Client, paid: Order):
    assert _action(ops, paid, "explode").status_code == 404
    assert ops.post(reverse("ops:order_action", args=["000", "ship"]), **HX).status_code == 404
    assert ops.get(reverse("ops:order", args=["000"])).status_code == 404


# --------------------------------------------------------------------------- lists

def test_filter_by_state_and_search_by_number(ops: Client, data: demo.DemoData, sku):
    paid = place_paid_order(make_buyer(), sku)
    unpaid = place_order_for(make_buyer(), sku)
    html = ops.get(reverse("ops:orders") + "?state=paid").content.decode()
    assert paid.number in html and unpaid.number not in html
    html = ops.get(reverse("ops:orders") + f"?q={unpaid.number[-6:]}").content.decode()
    assert unpaid.number in html and paid.number not in html


def test_dashboard_counts_and_gmv(ops: Client, data: demo.DemoData, sku):
    a = place_paid_order(make_buyer(), sku)
    b = place_paid_order(make_buyer(), sku, qty=2)
    place_order_for(make_buyer(), sku)  # unpaid: not in GMV
    resp = ops.get(reverse("ops:dashboard"))
    html = resp.content.decode()
    assert re.search(r'data-testid="orders-all">3<', html)
    assert re.search(r'data-testid="orders-today">3<', html)
    gmv = a.actual_paid + b.actual_paid
    assert isinstance(gmv, Decimal)
    assert resp.context["gmv"] == gmv
    assert f"¥{gmv:,.2f}" in html
    row = next(r for r in resp.context["counts"] if r["state"] == "paid")
    assert row["today"] == 2 and row["all"] == 2
    assert resp.context["per_day"][-1]["n"] == 3 and resp.context["per_day"][-1]["paid"] == 2
    assert len(resp.context["per_day"]) == 14
    # The chart data and its fallback table are both on the page.
    assert 'id="orders-per-day"' in html and 'id="orders-table"' in html
    assert "vendor/echarts.min.js" in html


def test_outbox_backlog_counts_unprocessed_and_failing(ops: Client, data: demo.DemoData):
    OutboxEvent.objects.all().delete()
    with transaction.atomic():
        outbox.emit("test.pending", "x", "1")
        outbox.emit("test.failing", "x", "2")
        outbox.emit("test.done", "x", "3")
    OutboxEvent.objects.filter(topic="test.failing").update(attempts=3, last_error="boom")
    OutboxEvent.objects.filter(topic="test.done").update(processed_at=clock.now())
    html = ops.get(reverse("ops:dashboard")).content.decode()
    assert re.search(r'data-testid="outbox-pending">2<', html)
    assert re.search(r'data-testid="outbox-failing">1<', html)
    html = ops.get(reverse("ops:outbox") + "?pending=1").content.decode()
    assert "test.failing" in html and "boom" in html and "test.done" not in html


def test_audit_page_lists_operator_actions(ops: Client, paid: Order):
    _action(ops, paid, "ship")
    html = ops.get(reverse("ops:audit")).content.decode()
    assert "order.ship" in html and "ops" in html


# --------------------------------------------------------------------------- PII

def test_no_plain_id_or_phone_on_any_ops_page(ops: Client, paid: Order, data: demo.DemoData):
    _action(ops, paid, "ship")
    for url in _pages(paid.number) + [reverse("ops:orders") + f"?q={paid.number}"]:
        html = ops.get(url).content.decode()
        assert KNOWN_ID not in html, url
        assert KNOWN_ID[6:14] not in html, url  # not even the birth date part
        assert KNOWN_PHONE not in html, url
    detail = ops.get(reverse("ops:order", args=[paid.number])).content.decode()
    assert paid.buyer_id_masked in detail
    assert "张*" in detail and "张三" not in detail


def test_no_plain_id_in_the_admin(data: demo.DemoData, paid: Order):
    c = Client()
    c.force_login(data.admin)
    payment = paid.payments.get()
    urls = ["/admin/orders/order/", f"/admin/orders/order/{paid.pk}/change/",
            "/admin/payments/payment/", f"/admin/payments/payment/{payment.pk}/change/",
            "/admin/payments/paymentnotification/", "/admin/core/auditlog/",
            "/admin/core/outboxevent/"]
    for note in PaymentNotification.objects.all():
        urls.append(f"/admin/payments/paymentnotification/{note.pk}/change/")
    for url in urls:
        resp = c.get(url)
        assert resp.status_code == 200, url
        html = resp.content.decode()
        assert KNOWN_ID not in html, url
        assert KNOWN_PHONE not in html, url


def test_admin_is_read_only_for_orders_and_payments(data: demo.DemoData, paid: Order):
    c = Client()
    c.force_login(data.admin)
    assert c.get("/admin/orders/order/add/").status_code == 403
    assert c.get("/admin/payments/payment/add/").status_code == 403
    assert c.get("/admin/core/auditlog/add/").status_code == 403
    resp = c.post(f"/admin/orders/order/{paid.pk}/change/", {"state": "completed"})
    assert resp.status_code == 403
    assert c.post(f"/admin/orders/order/{paid.pk}/delete/", {"post": "yes"}).status_code == 403
    paid.refresh_from_db()
    assert paid.state == Order.State.PAID
    assert User.objects.filter(pk=paid.user_id).exists()
