"""Payments: start a payment for a checkout, apply the provider's signed
notifications exactly once, and refund through the same port."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_noop

from shequn.core import audit, clock, pii
from shequn.core.errors import DomainError
from shequn.core.rawrows import build, columns, width
from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments import events, selectors, signing
from shequn.payments.errors import PaymentError
from shequn.payments.models import Payment, PaymentNotification, Refund
from shequn.payments.provider import get_provider

log = logging.getLogger("shequn.payments")


def _new_no(prefix: str) -> str:
    return prefix + clock.now().strftime("%y%m%d%H%M%S") + secrets.token_hex(5).upper()


def _trade_no(provider: Any, order: Order) -> str:
    """The payment's out_trade_no: the provider's choice when it has one (WeChat
    Pay: the order number, which customs matches payment and order by)."""
    make = getattr(provider, "out_trade_no", None)
    return str(make(order)) if make is not None else _new_no("P")


@transaction.atomic
def start_payment(user: Any, checkout_id: Any) -> str:
    """Create (or reuse) one payment per unpaid order of the checkout; returns
    the provider's hosted pay page."""
    orders = list(Order.objects.select_for_update()
                  .filter(checkout_id=checkout_id, user=user,
                          state=Order.State.PENDING_PAYMENT).order_by("number"))
    if not orders:
        raise PaymentError.NOTHING_TO_PAY.error()
    provider = get_provider()
    for order in orders:
        if not order.payments.filter(state=Payment.State.CREATED).exists():
            Payment.objects.create(order=order, provider=provider.name,
                                   out_trade_no=_trade_no(provider, order),
                                   amount=order.actual_paid,
                                   created_at=clock.now())
    return provider.pay_url(str(checkout_id))


def create_payments(orders: list[Order]) -> None:
    """One payment for each order just placed, in the transaction that placed
    them (``checkout.services.place_order(on_placed=...)``): the orders are
    rows no other transaction can see yet, so they need no lock and cannot
    have a payment already. Database only; the provider is asked for the pay
    page (``pay_url``) after the transaction. Retries from the pay page go
    through ``start_payment``, which reuses these payments."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("create_payments runs inside the transaction that placed the orders")
    provider, now = get_provider(), clock.now()
    Payment.objects.bulk_create([
        Payment(order=order, provider=provider.name, out_trade_no=_trade_no(provider, order),
                amount=order.actual_paid, created_at=now)
        for order in orders if order.state == Order.State.PENDING_PAYMENT])


def pay_url(checkout_id: Any) -> str:
    """The provider's hosted pay page for a checkout (outside any transaction)."""
    return get_provider().pay_url(str(checkout_id))


def open_payments(checkout_id: Any, user: Any) -> list[Payment]:
    """The checkout's payments still to make: open, of orders still unpaid (a
    cancelled order's payment may stay open until the provider closes it); the
    buyer's own, or with ``user=None`` whoever's (staff playing the provider in
    staging)."""
    found = Payment.objects.filter(order__checkout_id=checkout_id,
                                   order__state=Order.State.PENDING_PAYMENT,
                                   state=Payment.State.CREATED)
    if user is not None:
        found = found.filter(order__user=user)
    return list(found.select_related("order").order_by("order__number"))


def _redacted(body: bytes) -> str:
    """The notification as kept for disputes: the payer's ID number masked
    (invariant 7); a body that is not JSON is kept only by size."""
    try:
        data = json.loads(body)
    except ValueError:
        return f"<{len(body)} bytes, not JSON>"
    payer = data.get("payer") if isinstance(data, dict) else None
    if isinstance(payer, dict) and payer.get("id_number"):
        payer["id_number"] = pii.mask_id(str(payer["id_number"]))
    return json.dumps(data, ensure_ascii=False)[:8000]


def _record(provider: str, notify_id: str, out_trade_no: str, ok: bool, outcome: str,
            body: bytes) -> None:
    PaymentNotification.objects.create(provider=provider, notify_id=notify_id[:64],
                                       out_trade_no=out_trade_no[:40], signature_ok=ok,
                                       outcome=outcome, body=_redacted(body))


def handle_notification(body: bytes, headers: Mapping[str, str],
                        provider: str = "simulator") -> str:
    """Verify and apply one notification. Returns the outcome (``paid``,
    ``on_hold``, ``duplicate``, ``refunded_late``); raises PaymentError for a
    notification that must be refused (the provider will retry those)."""
    timestamp, nonce, signature = (headers.get(name, "") for name in (
        signing.TIMESTAMP_HEADER, signing.NONCE_HEADER, signing.SIGNATURE_HEADER))
    if not (timestamp.isascii() and nonce.isascii() and signature.isascii()):
        reason: str | None = "bad_signature"  # ("²".isdigit(); compare_digest needs ASCII)
    else:
        reason = signing.verify(settings.SHEQUN["PAYMENT_SIM_SECRET"], timestamp, nonce,
                                body, signature, int(time.time()))
    if reason is not None:
        # Not stored: an unsigned body is anyone's text (and a flood of them must
        # not fill the table). Counted and logged by size only.
        total = selectors.count_rejected_notification()
        log.warning("payment notification refused: %s (%d bytes; %d refused so far)",
                    reason, len(body), total)
        raise (PaymentError.STALE_NOTIFICATION if reason == "stale"
               else PaymentError.BAD_SIGNATURE).error()
    try:
        data = json.loads(body)
        notify_id = str(data["notify_id"])
        out_trade_no = str(data["out_trade_no"])
        amount = Decimal(str(data["amount"]))
        if not amount.is_finite():  # "NaN", "sNaN", "Infinity" parse, and compare badly
            raise ValueError("amount")
        payer = data.get("payer") or {}
        txn_id = str(data["transaction_id"])
        success = data.get("trade_state") == "SUCCESS"
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise PaymentError.MALFORMED_NOTIFICATION.error() from exc
    try:
        return _apply(provider, notify_id, out_trade_no, amount, payer, txn_id, success, body)
    except IntegrityError:
        # A concurrent delivery of the same notification won the race.
        return "duplicate"


def _lock_sql() -> str:
    lock = " FOR UPDATE OF p, o" if connection.vendor == "postgresql" else ""
    # Identifiers come from model metadata; values are parameters.
    return (f"SELECT {columns(Payment, 'p')}, {columns(Order, 'o')},"  # noqa: S608
            f" EXISTS (SELECT 1 FROM {PaymentNotification._meta.db_table} n"
            " WHERE n.provider = %s AND n.notify_id = %s AND n.signature_ok)"
            f" FROM {Payment._meta.db_table} p"
            f" JOIN {Order._meta.db_table} o ON o.id = p.order_id"
            " WHERE p.out_trade_no = %s" + lock)


def _lock_payment(provider: str, notify_id: str, out_trade_no: str
                  ) -> tuple[Payment | None, bool]:
    """The payment with its order, both rows locked (payment/order come first in
    the lock order, then stock, then quota), and whether this notification was
    already applied: one hand-written query on the notification hot path.

    The "already applied" flag is read in the statement that takes the locks,
    so after waiting for a concurrent delivery of the same notification it can
    be stale; that delivery's effects are still seen, because the locked rows
    come back as they are now (the payment already succeeded → ``duplicate``),
    and a second verified row for one notification is refused by the
    ``uniq_verified_notification`` constraint (IntegrityError → ``duplicate``,
    the whole transaction rolled back)."""
    with connection.cursor() as cur:
        cur.execute(_lock_sql(), [provider, notify_id, out_trade_no])
        row = cur.fetchone()
    if row is None:
        return None, False
    payment = build(Payment, row, 0)
    payment.order = build(Order, row, width(Payment))
    return payment, bool(row[width(Payment) + width(Order)])


@transaction.atomic
def _apply(provider: str, notify_id: str, out_trade_no: str, amount: Decimal,
           payer: Mapping[str, Any], txn_id: str, success: bool, body: bytes,
           payer_known: bool = True) -> str:
    """``payer_known`` False: the provider does not tell the payer's identity
    (WeChat Pay); it is checked at customs (支付单报关) instead of here."""
    payment, seen = _lock_payment(provider, notify_id, out_trade_no)
    if payment is None:
        raise PaymentError.UNKNOWN_PAYMENT.error()
    if seen:
        return "duplicate"
    if payment.state == Payment.State.SUCCEEDED:
        _record(provider, notify_id, out_trade_no, True, "duplicate", body)
        return "duplicate"
    if amount != payment.amount:
        # Refuse without recording it as applied: nothing changes.
        log.warning("payment %s amount mismatch", out_trade_no)
        raise PaymentError.AMOUNT_MISMATCH.error(expected=payment.amount, got=amount)
    if not success:
        _record(provider, notify_id, out_trade_no, True, "not_success", body)
        return "not_success"

    order = payment.order
    payer_name = str(payer.get("name", "")).strip()
    payer_id = str(payer.get("id_number", "")).strip().upper()
    payer_hash = pii.lookup_hash(payer_id) if payer_id else ""
    matches = (payer_hash == order.buyer_id_hash and payer_name == order.buyer_name
               ) if payer_known else True
    payment.state = Payment.State.SUCCEEDED
    payment.provider_txn_id = txn_id
    payment.payer_name = payer_name[:60]
    payment.payer_id_hash = payer_hash
    payment.payer_id_masked = pii.mask_id(payer_id) if payer_id else ""
    payment.paid_at = clock.now()
    payment.save(update_fields=["state", "provider_txn_id", "payer_name", "payer_id_hash",
                                "payer_id_masked", "paid_at"])
    _record(provider, notify_id, out_trade_no, True, "applied", body)
    events.Succeeded(payment.pk, order=order.number, amount=str(payment.amount)).emit()
    hold_reason = (gettext_noop("The payer's real name or ID differs from the buyer's")
                   if not matches else "")
    outcome = order_services.mark_paid(order.pk, payer_matches=matches, hold_reason=hold_reason,
                                       locked=order)
    if outcome == "late":
        # Paid after the order was cancelled (timeout): the money goes back.
        _refund(payment, payment.amount, gettext_noop("Order cancelled: refunded automatically"),
                None, "L")
        return "refunded_late"
    return outcome


def _refund(payment: Payment, amount: Decimal, reason: str, actor: Any, purpose: str
            ) -> Refund:
    """Money back through the provider. The refund number is derived from the
    order and the purpose (``F`` full, ``L`` late payment, ``C`` customs, ``T<n>``
    return n), not random: if this transaction is rolled back after the
    provider refunded (crash, failed restock), the retry asks for the same
    refund and the provider, which keys refunds by this number, pays once."""
    provider = get_provider()
    number = f"R{payment.order.number}{purpose}"
    existing = Refund.objects.filter(out_refund_no=number).first()
    if existing is not None:
        return existing
    # Never more back than was paid: refused before the provider is asked.
    refunded = sum((r.amount for r in Refund.objects.filter(payment=payment)
                    .exclude(state=Refund.State.FAILED)), start=Decimal("0"))
    if amount < 0 or refunded + amount > payment.amount:
        raise PaymentError.REFUND_EXCEEDS_PAID.error(paid=payment.amount, refunded=refunded,
                                                     asked=amount)
    refund = Refund.objects.create(payment=payment, out_refund_no=number, amount=amount,
                                   reason=reason[:200], created_at=clock.now())
    refund.provider_refund_id = provider.refund(payment.out_trade_no, refund.out_refund_no,
                                                amount)
    if not getattr(provider, "refunds_settle_by_notification", False):
        # (WeChat Pay: REQUESTED until its REFUND.SUCCESS notification.)
        refund.state = Refund.State.SUCCEEDED
        refund.completed_at = clock.now()
    refund.save()
    events.Refunded(payment.pk, order=payment.order.number, amount=str(amount),
                    refund=refund.out_refund_no).emit()
    audit.record(actor, "payment.refund", payment, amount=amount, reason=reason)
    return refund


@transaction.atomic
def refund_order(order_id: Any, *, actor: Any, reason: str) -> Refund:
    """Full refund of a paid (not yet shipped) order, by an operator: money back
    through the provider, stock and the buyer's quota given back."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise PaymentError.UNKNOWN_PAYMENT.error()
    if order.state not in (Order.State.PAID, Order.State.ON_HOLD):
        raise PaymentError.NOT_REFUNDABLE.error(state=order.state)
    payment = order.payments.filter(state=Payment.State.SUCCEEDED).first()
    if payment is None:
        raise PaymentError.NOT_REFUNDABLE.error(state=order.state)
    refund = _refund(payment, payment.amount, reason, actor, "F")
    order_services.mark_refunded(order.pk, actor=actor, reason=reason)
    return refund


def simulate_payment(user: Any, checkout_id: Any, *, as_other_person: bool = False,
                     deliveries: int = 1) -> list[str]:
    """The simulator's "confirm payment" button: the provider notifies Shequn
    for each payment of the checkout (``deliveries`` times, as providers do).
    ``user`` is the buyer whose checkout it is, or None for staff paying any
    buyer's checkout on the staging simulator."""

    provider = get_provider()
    outcomes: list[str] = []
    for payment in open_payments(checkout_id, user):
        order = payment.order
        name = order.buyer_name
        id_number = pii.decrypt(order.buyer_id_enc)
        if as_other_person:
            name, id_number = "李四", "11010119900307803X"
        note = provider.success_notification(out_trade_no=payment.out_trade_no,
                                             amount=payment.amount, payer_name=name,
                                             payer_id_number=id_number)
        for _ in range(deliveries):
            try:
                outcomes.append(handle_notification(note.body, note.headers))
            except DomainError as exc:
                outcomes.append(exc.code)
    return outcomes


@transaction.atomic
def refund_return(after_sale_id: Any, *, actor: Any = None) -> Refund | None:
    """Pay back an approved return (goods and the tax paid on them, not freight)
    through the provider, once: a second call finds the return refunded and
    returns None."""
    from shequn.orders import returns
    from shequn.orders.models import AfterSale

    after_sale = (AfterSale.objects.select_for_update().select_related("order")
                  .filter(pk=after_sale_id).first())
    if after_sale is None or after_sale.state != AfterSale.State.APPROVED:
        return None
    payment = after_sale.order.payments.filter(state=Payment.State.SUCCEEDED).first()
    if payment is None:
        raise PaymentError.NOT_REFUNDABLE.error(state=after_sale.order.state)
    refund = _refund(payment, after_sale.amount, f"退货退款 return #{after_sale.pk}", actor,
                     f"T{after_sale.pk}")
    returns.record_refund(after_sale.pk, refund_no=refund.out_refund_no)
    return refund


@transaction.atomic
def refund_after_customs(order_id: Any, *, reason: str) -> Refund | None:
    """Full refund when customs declined the order (rejection or approved
    cancellation). Idempotent: an order already refunded is left alone."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.state not in (Order.State.PAID, Order.State.ON_HOLD):
        return None
    payment = order.payments.filter(state=Payment.State.SUCCEEDED).first()
    if payment is None:
        return None
    refund = _refund(payment, payment.amount, reason, None, "C")
    order_services.mark_refunded(order.pk, reason=reason)
    return refund


@transaction.atomic
def refund_amount(order_id: Any, amount: Decimal, *, actor: Any, reason: str) -> Refund:
    """A partial refund of a paid order by an operator (goodwill, price
    adjustment): the order stays as it is. Refused above what is left."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise PaymentError.UNKNOWN_PAYMENT.error()
    payment = order.payments.filter(state=Payment.State.SUCCEEDED).first()
    if payment is None:
        raise PaymentError.NOT_REFUNDABLE.error(state=order.state)
    purpose = f"P{Refund.objects.filter(payment=payment).count() + 1}"
    return _refund(payment, Decimal(amount), reason, actor, purpose)


@transaction.atomic
def apply_refund_notification(provider: str, notify_id: str, out_refund_no: str,
                              status: str, amount: Decimal, provider_refund_id: str,
                              body: bytes) -> str:
    """The provider's word on a refund (``SUCCESS``, ``CLOSED``, ``ABNORMAL``),
    applied once: ``succeeded``, ``failed``, ``abnormal`` or ``duplicate``. An
    amount other than the refund's is refused and changes nothing."""
    refund = (Refund.objects.select_for_update().select_related("payment")
              .filter(out_refund_no=out_refund_no).first())
    if refund is None:
        raise PaymentError.UNKNOWN_REFUND.error()
    if PaymentNotification.objects.filter(provider=provider, notify_id=notify_id,
                                          signature_ok=True).exists():
        return "duplicate"
    if amount != refund.amount:
        log.warning("refund %s amount mismatch", out_refund_no)
        raise PaymentError.AMOUNT_MISMATCH.error(expected=refund.amount, got=amount)
    out_trade_no = refund.payment.out_trade_no
    if refund.state != Refund.State.REQUESTED:
        _record(provider, notify_id, out_trade_no, True, "duplicate", body)
        return "duplicate"
    if status == "SUCCESS":
        refund.state, outcome = Refund.State.SUCCEEDED, "succeeded"
        refund.completed_at = clock.now()
    elif status == "CLOSED":
        refund.state, outcome = Refund.State.FAILED, "failed"
        log.error("refund %s closed by the provider: an operator must pay it back",
                  out_refund_no)
    else:
        # ABNORMAL is not final (the buyer's card is gone): an operator resolves it.
        log.error("refund %s abnormal at the provider", out_refund_no)
        _record(provider, notify_id, out_trade_no, True, "refund_abnormal", body)
        return "abnormal"
    if provider_refund_id and not refund.provider_refund_id:
        refund.provider_refund_id = provider_refund_id
    refund.save(update_fields=["state", "completed_at", "provider_refund_id"])
    _record(provider, notify_id, out_trade_no, True, f"refund_{outcome}", body)
    return outcome
