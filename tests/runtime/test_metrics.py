"""/metrics: who may read it, the request series (labelled by route, never by
path) and the business series read from the database at scrape time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from prometheus_client.parser import text_string_to_metric_families

from shequn.checkout.services import place_order
from shequn.core import clock, outbox
from shequn.core.models import OutboxEvent
from shequn.customs.models import Declaration
from shequn.payments import services as payments
from shequn.payments.models import Payment
from shequn.payments.provider import get_provider
from shequn.web.runtime import metrics as metrics_view
from tests.builders import cart_with, make_buyable, make_buyer_with_identity

pytestmark = pytest.mark.django_db


def _scrape(client, token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _place():
    buyer = make_buyer_with_identity()
    sku = make_buyable("120.00", 10)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    return buyer, order


# --------------------------------------------------------------------------- access

def test_refused_without_token_or_allow_list(client):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert b"shequn_" not in response.content


def test_refused_with_a_wrong_or_empty_token(client, settings, metrics_token):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {metrics_token}").status_code == 403
    settings.SHEQUN = {**settings.SHEQUN, "METRICS_TOKEN": ""}
    # An empty token switches token access off, it does not match an empty header.
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer").status_code == 403


def test_allowed_with_the_token(client, metrics_token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"bearer {metrics_token}")
    assert response.status_code == 200
    assert b"shequn_orders" in response.content


def test_allowed_from_an_address_in_the_allow_list(client, settings):
    settings.SHEQUN = {**settings.SHEQUN, "METRICS_ALLOW": ["10.0.0.0/8", "192.0.2.7"]}
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.8").status_code == 403


def test_allow_list_uses_the_client_address_behind_trusted_proxies_only(client, settings):
    settings.SHEQUN = {**settings.SHEQUN, "METRICS_ALLOW": ["10.0.0.0/8"]}
    # Forged header from an untrusted peer: ignored.
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5",
                      HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 403
    settings.SHEQUN_TRUSTED_PROXIES = ["172.16.0.1"]
    assert client.get("/metrics", REMOTE_ADDR="172.16.0.1",
                      HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 200
    # The proxy itself is not in the allow-list: a public client behind it is refused.
    assert client.get("/metrics", REMOTE_ADDR="172.16.0.1",
                      HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 403


def test_a_bad_allow_list_entry_refuses_everyone(client, settings):
    settings.SHEQUN = {**settings.SHEQUN, "METRICS_ALLOW": ["127.0.0.1", "not-an-ip"]}
    assert client.get("/metrics").status_code == 403


# --------------------------------------------------------------------------- request series

def test_requests_are_counted_by_route_method_and_status(client, metrics_token):
    before = _scrape(client, metrics_token)
    for _ in range(3):
        client.get("/healthz")
    client.post("/healthz")
    after = _scrape(client, metrics_token)
    name = "shequn_http_requests_total"
    assert (_value(after, name, method="GET", route="healthz", status="200")
            - _value(before, name, method="GET", route="healthz", status="200")) == 3
    assert (_value(after, name, method="POST", route="healthz", status="405")
            - _value(before, name, method="POST", route="healthz", status="405")) == 1
    hist = "shequn_http_request_duration_seconds_count"
    assert (_value(after, hist, method="GET", route="healthz")
            - _value(before, hist, method="GET", route="healthz")) == 3


def test_labels_are_route_patterns_never_raw_paths(client, metrics_token):
    client.get("/no-such-page-13912345678/")
    client.generic("BREW", "/healthz")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
    text = response.content.decode()
    assert "13912345678" not in text
    assert 'route="<unmatched>"' in text
    assert 'method="other"' in text
    assert "BREW" not in text


# --------------------------------------------------------------------------- business series

def test_placing_an_order_moves_the_order_series(client, metrics_token):
    before = _scrape(client, metrics_token)
    _place()
    after = _scrape(client, metrics_token)
    assert (_value(after, "shequn_orders", state="pending_payment")
            - _value(before, "shequn_orders", state="pending_payment")) == 1
    assert (_value(after, "shequn_orders_placed_total")
            - _value(before, "shequn_orders_placed_total")) == 1
    # Every state is present, zero or not, so dashboards do not see gaps.
    assert ("shequn_orders", (("state", "refunded"),)) in after


def test_applied_payment_is_counted(client, metrics_token):
    buyer, order = _place()
    payments.start_payment(buyer.user, order.checkout_id)
    payment = Payment.objects.get(order=order)
    before = _scrape(client, metrics_token)
    note = get_provider().success_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, payer_name=buyer.name,
        payer_id_number=buyer.id_number)
    assert payments.handle_notification(note.body, note.headers) == "paid"
    after = _scrape(client, metrics_token)
    assert (_value(after, "shequn_payments_applied_total")
            - _value(before, "shequn_payments_applied_total")) == 1
    assert (_value(after, "shequn_orders", state="paid")
            - _value(before, "shequn_orders", state="paid")) == 1


def test_outbox_backlog_and_dead_letters(client, metrics_token):
    before = _scrape(client, metrics_token)
    with transaction.atomic():
        first = outbox.emit("runtime.test", "x", 1)
        outbox.emit("runtime.test", "x", 2)
    OutboxEvent.objects.filter(pk=first.pk).update(dead_at=clock.now(), attempts=5)
    after = _scrape(client, metrics_token)
    assert (_value(after, "shequn_outbox_backlog")
            - _value(before, "shequn_outbox_backlog")) == 1
    assert (_value(after, "shequn_outbox_dead_letters")
            - _value(before, "shequn_outbox_dead_letters")) == 1
    assert _value(after, "shequn_outbox_unrelayed") >= 1


def test_declarations_by_state_and_stuck(client, metrics_token):
    _, order = _place()
    before = _scrape(client, metrics_token)
    long_ago = clock.now() - dt.timedelta(hours=3)
    Declaration.objects.create(order=order, cop_no=f"COP{order.number}",
                               logistics_no=f"LN{order.number}", state="accepted",
                               created_at=long_ago, changed_at=long_ago)
    after = _scrape(client, metrics_token)
    assert (_value(after, "shequn_customs_declarations", state="accepted")
            - _value(before, "shequn_customs_declarations", state="accepted")) == 1
    assert (_value(after, "shequn_customs_stuck_declarations")
            - _value(before, "shequn_customs_stuck_declarations")) == 1
    # Moved recently: no longer stuck.
    Declaration.objects.filter(order=order).update(changed_at=clock.now())
    again = _scrape(client, metrics_token)
    assert (_value(again, "shequn_customs_stuck_declarations")
            == _value(before, "shequn_customs_stuck_declarations"))


def test_rejected_notifications_come_from_the_payments_selector(client, metrics_token,
                                                                 monkeypatch):
    from shequn.payments import selectors

    monkeypatch.setattr(selectors, "rejected_notification_count", lambda: 7)
    samples = _scrape(client, metrics_token)
    assert _value(samples, "shequn_payment_notifications_rejected_total") == 7


def test_a_failing_section_does_not_break_the_scrape(client, metrics_token, monkeypatch):
    def broken():
        raise RuntimeError("database away")

    sections = tuple((name, broken if name == "orders" else fn)
                     for name, fn in metrics_view.SECTIONS)
    monkeypatch.setattr(metrics_view, "SECTIONS", sections)
    samples = _scrape(client, metrics_token)
    assert _value(samples, "shequn_business_scrape_ok", section="orders") == 0
    assert _value(samples, "shequn_business_scrape_ok", section="outbox") == 1
    assert ("shequn_orders_placed_total", ()) not in samples


def test_database_away_is_not_waited_for_once_per_section(client, metrics_token, monkeypatch):
    from django.db import OperationalError

    called = []

    def away():
        called.append("orders")
        raise OperationalError("connection refused")

    def later():
        called.append("later")
        return []

    sections = (("orders", away), ("payments", later), ("outbox", later))
    monkeypatch.setattr(metrics_view, "SECTIONS", sections)
    samples = _scrape(client, metrics_token)
    assert called == ["orders"]
    assert _value(samples, "shequn_business_scrape_ok", section="payments") == 0
    assert _value(samples, "shequn_business_scrape_ok", section="outbox") == 0
