"""A refund retried after its transaction was rolled back (the provider had
already paid) pays the buyer once: refund numbers are derived, not random."""

from __future__ import annotations

import pytest

from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import Payment, Refund
from shequn.payments.provider import simulated_refunds
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

pytestmark = pytest.mark.django_db


def test_customs_refund_retried_after_a_crash_pays_once(monkeypatch):
    sku = make_sku(price="80.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(make_buyer(), sku)
    payment = Payment.objects.get(order=order, state=Payment.State.SUCCEEDED)
    real = order_services.mark_refunded
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away after the provider refunded")
        return real(*args, **kwargs)

    monkeypatch.setattr(order_services, "mark_refunded", crash_once)
    with pytest.raises(RuntimeError):
        services.refund_after_customs(order.pk, reason="海关退单")
    assert not Refund.objects.filter(payment=payment).exists()  # rolled back
    services.refund_after_customs(order.pk, reason="海关退单")
    assert Order.objects.get(pk=order.pk).state == Order.State.REFUNDED
    assert Refund.objects.filter(payment=payment).count() == 1
    assert len(simulated_refunds(payment.out_trade_no)) == 1  # money went back once
    assert services.refund_after_customs(order.pk, reason="again") is None
