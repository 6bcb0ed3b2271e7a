"""The payment-provider port and its simulator.

Shequn asks the provider for a hosted pay page and for refunds; the provider
tells Shequn the outcome by an asynchronous, signed notification (notify.py).
The simulator plays the provider in-process: its pay page is /paysim/..., and
on "pay" it builds, signs and delivers the notification the way a provider
would, including repeats (``deliveries``) to prove idempotency."""

from __future__ import annotations

import importlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings

from shequn.payments import signing


@dataclass(frozen=True)
class Notification:
    body: bytes
    headers: dict[str, str]


class PaymentProvider(Protocol):
    name: str

    def pay_url(self, checkout_id: str) -> str: ...

    def refund(self, out_trade_no: str, out_refund_no: str, amount: Decimal) -> str: ...


# The simulated provider's own books (per process): refunds by out_refund_no.
_refunds: dict[tuple[str, str], tuple[str, str, Decimal]] = {}
_refund_lock = threading.Lock()


def simulated_refunds(out_trade_no: str) -> list[tuple[str, Decimal]]:
    """(refund id, amount) the simulator paid back for a payment (tests)."""
    return [(rid, amount) for rid, trade, amount in _refunds.values() if trade == out_trade_no]


class SimulatedProvider:
    name = "simulator"

    def pay_url(self, checkout_id: str) -> str:
        return f"/paysim/{checkout_id}/"

    def refund(self, out_trade_no: str, out_refund_no: str, amount: Decimal) -> str:
        """Accept the refund at once. Like real providers, a refund is keyed by
        ``out_refund_no``: asking again (a retry after a crash) returns the same
        refund and pays nothing more."""
        with _refund_lock:
            key = (out_trade_no, out_refund_no)
            found = _refunds.get(key)
            if found is None:
                found = ("SIMR" + secrets.token_hex(8).upper(), out_trade_no, amount)
                _refunds[key] = found
            return found[0]

    def success_notification(self, *, out_trade_no: str, amount: Decimal, payer_name: str,
                             payer_id_number: str, transaction_id: str | None = None,
                             notify_id: str | None = None, timestamp: int | None = None
                             ) -> Notification:
        """What the provider sends when the payer has paid: the payer's real
        name and ID as the provider verified them (used for customs CEB411)."""
        body = json.dumps({
            "notify_id": notify_id or "N" + secrets.token_hex(10).upper(),
            "event_type": "TRANSACTION.SUCCESS",
            "out_trade_no": out_trade_no,
            "transaction_id": transaction_id or "SIM" + secrets.token_hex(10).upper(),
            "trade_state": "SUCCESS",
            "amount": f"{amount:.2f}",
            "currency": "CNY",
            "payer": {"name": payer_name, "id_type": "1", "id_number": payer_id_number},
            "success_time": int(time.time()),
        }, ensure_ascii=False, separators=(",", ":")).encode()
        return sign_notification(body, timestamp=timestamp)


def sign_notification(body: bytes, timestamp: int | None = None) -> Notification:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_hex(8)
    sig = signing.sign(settings.SHEQUN["PAYMENT_SIM_SECRET"], ts, nonce, body)
    return Notification(body=body, headers={signing.TIMESTAMP_HEADER: ts,
                                            signing.NONCE_HEADER: nonce,
                                            signing.SIGNATURE_HEADER: sig})


# Real adapters by SHEQUN_PAYMENT_PROVIDER, loaded by name (they import services,
# which imports this module).
ADAPTERS = {"wechatpay": "shequn.payments.wechatpay.provider.WeChatPayProvider"}


def get_provider() -> Any:
    name = settings.SHEQUN.get("PAYMENT_PROVIDER", "simulator")
    if name in ADAPTERS:
        module, _, cls = ADAPTERS[name].rpartition(".")
        return getattr(importlib.import_module(module), cls)()
    return SimulatedProvider()
