"""Helpers for the WeChat Pay payment-declaration tests: an order paid with
WeChat Pay (the Payment row as the WeChat Pay adapter writes it) and the
worker's loop including the declaration poll job."""

from __future__ import annotations

import datetime as dt
import itertools

from shequn.core import clock, outbox
from shequn.customs import paydecl, services
from shequn.orders.models import Order
from shequn.payments.models import Payment
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

_txns = itertools.count(1)


def txn_id() -> str:
    return f"4200001234202612{next(_txns):012d}"


def wechat_paid_order(price: str = "128.00", qty: int = 1) -> Order:
    """A paid order whose succeeded payment is a WeChat Pay one: provider
    ``wechatpay``, WeChat's transaction_id in provider_txn_id, out_trade_no the
    order number (one payment for one order)."""
    sku = make_sku(price=price)
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(make_buyer(), sku, qty=qty)
    Payment.objects.filter(order=order, state=Payment.State.SUCCEEDED).update(
        provider="wechatpay", provider_txn_id=txn_id(), out_trade_no=order.number)
    return order


def run_until_quiet(rounds: int = 20, step_seconds: int = 61) -> None:
    """What the worker does: drain the outbox, let the customs simulator answer
    and query the due declarations; the clock moves on between rounds."""
    for _ in range(rounds):
        moved = outbox.drain() + services.pump_embedded() + paydecl.poll_due()
        clock.advance(dt.timedelta(seconds=step_seconds))
        if not moved and not _pending():
            return


def _pending() -> bool:
    from shequn.customs.models import PaymentDeclaration
    from shequn.customs.states import PD_POLLED

    return PaymentDeclaration.objects.filter(state__in=PD_POLLED).exists()
