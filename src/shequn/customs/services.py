"""Customs clearance: declare a paid order (CEB311 order, CEB411 payment and
CEB511 waybill on the partners' behalf, CEB621 inventory, signed), send through
the gateway with retries, apply receipts to a forward-only state machine, cancel
(CEB623) and return (CEB625). Other domains react to the events written here
(``customs.released`` → the order may ship; ``customs.rejected`` /
``customs.cancelled`` → refund, stock and quota back; ``customs.return_cleared``
→ refund the return), never to direct calls.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop
from lxml import etree

from shequn.brands import chain
from shequn.core import audit, clock
from shequn.core.models import OutboxEvent
from shequn.core.platformtext import platform_text
from shequn.customs import events, gateway, mapping, states
from shequn.customs.ceb import derive, dxp, messages, rules
from shequn.customs.ceb import model as ceb
from shequn.customs.ceb.receipts import receipt_key
from shequn.customs.ceb.schema import NotCebMessage
from shequn.customs.errors import CustomsError
from shequn.customs.models import (
    Declaration,
    Message,
    PaymentDeclaration,
    Receipt,
    ReturnDeclaration,
)
from shequn.logistics import outbound
from shequn.orders import services as order_services
from shequn.orders.models import AfterSale, Order, OrderLine
from shequn.payments.models import Payment

log = logging.getLogger("shequn.customs")
D = Declaration.State


def _carrier() -> mapping.Party:
    conf = settings.SHEQUN
    return mapping.Party(conf.get("CEB_CARRIER_CODE", "3301980101"),
                         conf.get("CEB_CARRIER_NAME", "社群物流（模拟）"))


def _pay_party() -> mapping.Party:
    return mapping.Party(mapping.conf("CEB_PAY_CODE"), mapping.conf("CEB_PAY_NAME"))


def _sender_id() -> str:
    return mapping.conf("CEB_DXP_ID")


def _queue(declaration: Declaration | None, kind: str, key: str, root: etree._Element,
           *, send_now: bool = True) -> Message:
    """Wrap ``root`` in a DxpMsg, store it and queue its sending (same transaction);
    ``send_now=False`` stores it to be queued later (see ``_queue_inventory``)."""
    envelope = dxp.wrap(root, sender_id=_sender_id())
    cop_msg_id = envelope.findtext(f"{{{dxp.DXP_NS}}}TransInfo/{{{dxp.DXP_NS}}}CopMsgId")
    message = Message.objects.create(declaration=declaration, kind=kind,
                                     cop_msg_id=cop_msg_id or "", business_key=key[:60],
                                     body_enc=Message.seal(messages.to_bytes(envelope)),
                                     created_at=clock.now())
    if send_now:
        events.MessageQueued(message.pk, kind=kind, key=key[:60]).emit()
    return message


DOCUMENTS = ("CEB311", "CEB411", "CEB511")


def _queue_inventory(declaration_id: int) -> None:
    """Queue the inventory list (CEB621) once the three documents it is matched
    with have been handed over: customs checks them when the 621 arrives, so
    sending it first would get it rejected for a missing waybill. Runs under the
    declaration's row lock, so two workers finishing the last documents at the
    same time queue it exactly once."""
    with transaction.atomic():
        Declaration.objects.select_for_update().filter(pk=declaration_id).first()
        sent = Message.objects.filter(declaration_id=declaration_id, kind__in=DOCUMENTS,
                                      state=Message.State.SENT).count()
        inventory = Message.objects.filter(declaration_id=declaration_id, kind="CEB621",
                                           state=Message.State.QUEUED).first()
        if sent < _documents_needed(declaration_id) or inventory is None:
            return
        if OutboxEvent.objects.filter(topic=events.SEND,
                                      aggregate_id=str(inventory.pk)).exists():
            return
        events.MessageQueued(inventory.pk, kind=inventory.kind,
                             key=inventory.business_key).emit()


def _documents_needed(declaration_id: int) -> int:
    """How many of DOCUMENTS must have been handed over before the CEB621. For
    an order paid with WeChat Pay there is no CEB411 of ours: WeChat Pay pushes
    the payment record, and its declaration's SUCCESS (customs.paydecl) takes
    the CEB411's place; while any declaration of the order's payments is not
    accepted (or its order is held for a different payer), nothing is enough."""
    order_id = Declaration.objects.filter(pk=declaration_id).values_list("order_id",
                                                                         flat=True).first()
    if order_id is None:
        return len(DOCUMENTS)
    wechat = list(PaymentDeclaration.objects.filter(order_id=order_id)
                  .values_list("state", "cert_check_result", "hold_cleared_at"))
    if not wechat:
        return len(DOCUMENTS)
    ready = all(state == states.PD_ACCEPTED
                and (cert != "DIFFERENT" or cleared is not None)
                for state, cert, cleared in wechat)
    return len(DOCUMENTS) - 1 if ready else len(DOCUMENTS) + 1


WECHATPAY = "wechatpay"


def _inventory_of(order: Order, waybill: ceb.LogisticsHead, declaration: Declaration
                  ) -> ceb.Inventory:
    """The CEB621 record. 9610 parcels fly as part of a consolidated shipment:
    the inventory names the flight, voyage and master bill. They come from the
    carrier's manifest; here from configuration (the simulated carrier flies one
    master bill a day)."""
    if order.trade_mode != "9610":
        return mapping.inventory_message(order, waybill, cop_no=declaration.cop_no)
    day = ceb.ceb_date(declaration.created_at)
    conf = settings.SHEQUN
    return mapping.inventory_message(
        order, waybill, cop_no=declaration.cop_no,
        traf_no=str(conf.get("CEB_9610_TRAF_NO", "SQ9610")), voyage_no=day,
        bill_no=f"{conf.get('CEB_9610_BILL_PREFIX', 'MAWB')}{day}")


def _documents(order: Order, payment: Payment, declaration: Declaration
               ) -> tuple[ceb.Order, ceb.PaymentHead, ceb.LogisticsHead, ceb.Inventory]:
    try:
        o = mapping.order_message(order)
        p = mapping.payment_message(payment)
        w = mapping.waybill_message(order, logistics_no=declaration.logistics_no,
                                    carrier=_carrier())
        inv = _inventory_of(order, w, declaration)
    except mapping.MappingError as exc:
        raise CustomsError.NOT_DECLARABLE.error(reason=str(exc)) from exc
    return o, p, w, inv


def _check(o: ceb.Order, p: ceb.PaymentHead, w: ceb.LogisticsHead, inv: ceb.Inventory,
           order: Order) -> None:
    """Every business rule the schema cannot express, before anything leaves."""
    problems = [*rules.order_problems(o), *rules.payment_problems(p), *rules.waybill_problems(w),
                *rules.inventory_problems(inv), *rules.check_order_payment(o, p),
                *rules.check_order_waybill(o, w), *rules.check_inventory_order(inv, o),
                *rules.check_inventory_waybill(inv, w),
                *rules.check_legal_quantities(inv, mapping.legal_units_by_item(order))]
    if problems:
        log.error("order %s not declarable: %s", order.number, "; ".join(map(str, problems[:5])))
        raise CustomsError.NOT_DECLARABLE.error(problems=[str(x) for x in problems[:10]])


def _check_chain(order: Order | Any) -> None:
    """The seller of record must still hold an authorization chain for every
    line on the day of the declaration (brands.chain). If the chain broke after
    payment the declaration is held: the refusal leaves the order.paid event a
    dead letter with this code, which an operator resends once the chain is
    back, or the order is refunded."""
    order_id: Any = getattr(order, "pk", order)
    number = getattr(order, "number", order_id)
    sku_ids = list(OrderLine.objects.filter(order_id=order_id).values_list("sku_id", flat=True))
    missing = sorted(set(sku_ids) - chain.covered_sku_ids(sku_ids))
    if missing:
        log.warning("order %s declaration held: no authorization chain for SKUs %s",
                    number, missing)
        raise CustomsError.NO_AUTHORIZATION.error(number=number,
                                                  skus=",".join(map(str, missing)))


def declare(order_id: Any) -> Declaration | None:
    """Declare a paid order: the three documents and the signed inventory list,
    queued in order. Idempotent (one declaration per order); orders that are not
    paid (on hold, refunded) are not declared.

    The waybill (CEB511, and logisticsNo on CEB621) is the carrier's: it is
    asked for first (取号), outside any lock, then the declaration is written
    in one transaction."""
    if not Declaration.objects.filter(order_id=order_id).exists():
        # No waybill is taken for goods that may no longer be sold (checked again
        # under the lock in _declare: the chain may break in between).
        _check_chain(order_id)
        outbound.ensure_waybill(order_id)
    return _declare(order_id)


@transaction.atomic
def _declare(order_id: Any) -> Declaration | None:
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.state != Order.State.PAID:
        return None
    existing = Declaration.objects.filter(order=order).first()
    if existing is not None:
        return existing
    payment = order.payments.filter(state=Payment.State.SUCCEEDED).first()
    if payment is None:
        return None
    _check_chain(order)
    now = clock.now()
    logistics_no = outbound.waybill_no(order.pk)
    if not logistics_no:
        raise CustomsError.NOT_DECLARABLE.error(reason="no carrier waybill")
    declaration = Declaration.objects.create(
        order=order, cop_no=f"I{order.number}", logistics_no=logistics_no,
        created_at=now, changed_at=now)
    o, p, w, inv = _documents(order, payment, declaration)
    # The messages carry the buyer's ID number and phone in clear (customs needs
    # them): the access is logged with its purpose (PIPL).
    audit.record(None, "pii.decrypt", order, purpose="customs declaration 311/411/511/621")
    _check(o, p, w, inv, order)
    _queue(declaration, "CEB311", order.number, messages.build_ceb311([o], mapping.transfer()))
    if payment.provider == WECHATPAY:
        # WeChat Pay pushes the payment record itself when asked (customs.paydecl).
        _queue_payment_declaration(order, payment, now)
    else:
        _queue(declaration, "CEB411", order.number,
               messages.build_ceb411([p], mapping.transfer(_pay_party())))
    _queue(declaration, "CEB511", declaration.logistics_no,
           messages.build_ceb511([w], mapping.transfer(_carrier())))
    _queue(declaration, "CEB621", declaration.cop_no,
           messages.build_ceb621([inv], mapping.transfer(), signer=gateway.platform_signer()),
           send_now=False)
    events.Declared(order.pk, number=order.number, cop_no=declaration.cop_no).emit()
    return declaration


def _queue_payment_declaration(order: Order, payment: Payment, now: Any) -> None:
    """Record the request that WeChat Pay declare ``payment`` and queue its
    submission (same transaction; idempotent per payment)."""
    conf = mapping.wechatpay_customs()
    pd, created = PaymentDeclaration.objects.get_or_create(
        payment=payment, sub_order_no="",
        defaults={"order": order, "customs": conf["customs"],
                  "mch_customs_no": conf["mch_customs_no"], "created_at": now,
                  "changed_at": now})
    if created:
        events.PaymentDeclarationQueued(pd.pk, number=order.number).emit()


class SendInFlight(RuntimeError):
    """Another run is handing this message over right now: try again later."""


def _move(message_id: int, action: str, **changes: Any) -> int:
    """Apply a message action (customs.states.MESSAGE_MOVES) if the message is
    in one of its source states; returns 1 when it applied, else 0."""
    sources, target = states.message_move(action)
    qs = Message.objects.filter(pk=message_id, state__in=sources)
    if "attempt" in changes:
        qs = qs.filter(attempts=changes.pop("attempt"))
    return qs.update(state=target, **changes)


@transaction.atomic
def _start_attempt(message_id: int) -> tuple[Message, int] | None:
    """Record a hand-over before it happens (committed on return): the message
    goes ``sending`` with the attempt's number. None when there is nothing to
    send (sent, refused, given up); ``SendInFlight`` while another run's fresh
    attempt is under way."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.state not in states.message_move("attempt")[0]:
        return None
    now = clock.now()
    if (message.state == Message.State.SENDING and message.attempted_at is not None
            and (now - message.attempted_at).total_seconds() < states.SEND_STALE_SECONDS):
        raise SendInFlight(f"message {message_id} attempt {message.attempts} under way")
    attempt = message.attempts + 1
    _move(message.pk, "attempt", attempts=attempt, attempted_at=now)
    return message, attempt


def send(message_id: int) -> str:
    """Hand one queued message to the gateway (outbox handler, run outside the
    event's transaction). The attempt is recorded and committed first, the
    gateway is called with no transaction open (a slow or hanging single window
    holds no connection, no lock), then the outcome is recorded for that
    attempt only: a duplicate run, a restart or a late answer of an older
    attempt cannot move the message back. The gateway side is idempotent by
    message guid, so a resend after a crash is harmless. Raises on failure
    (the outbox retries with backoff and finally lists it as a dead letter)."""
    started = _start_attempt(message_id)
    if started is None:
        return "skipped"
    message, attempt = started
    try:
        answers = gateway.get_gateway(receive).submit(message.sent_bytes())
    except Exception as exc:
        with transaction.atomic():
            _move(message.pk, "send_failed", attempt=attempt,
                  last_error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    with transaction.atomic():
        # From any attempt: the message reached customs, whichever run got it there.
        _move(message.pk, "delivered", sent_at=clock.now(), last_error="")
    for answer in answers:
        receive(answer)
    if message.kind in DOCUMENTS and message.declaration_id is not None:
        _queue_inventory(message.declaration_id)
    return "sent"


# ------------------------------------------------------------------ receipts


def _digest(record: object) -> str:
    return hashlib.sha256(f"{type(record).__name__}|{record!r}".encode()).hexdigest()


def _key(record: object) -> str:
    return "|".join(str(x) for x in receipt_key(record))[:80]


def receive(data: bytes) -> list[str]:
    """Apply a receipt message (bare or in a DxpMsg) from customs. Each record
    is applied once, in its own transaction; what it did is returned per record.
    Malformed or non-CEB input raises ``bad_receipt`` and changes nothing."""
    try:
        # Validated against the XSD like everything we send: a receipt with a
        # made-up status or time changes nothing.
        message = messages.read_message(data, validate=True)
    except (NotCebMessage, ValueError) as exc:
        log.warning("customs receipt refused: %s", exc)
        raise CustomsError.BAD_RECEIPT.error(reason=str(exc)[:200]) from exc
    return [_apply(record) for record in message.records]


_APPLIERS: dict[type, Callable[[Any, Receipt], str]] = {}


def _applies(cls: type) -> Callable[[Callable[[Any, Receipt], str]], Callable[[Any, Receipt], str]]:
    def register(fn: Callable[[Any, Receipt], str]) -> Callable[[Any, Receipt], str]:
        _APPLIERS[cls] = fn
        return fn
    return register


@transaction.atomic
def _apply(record: object) -> str:
    digest = _digest(record)
    seen = Receipt.objects.filter(digest=digest).first()
    if seen is not None and seen.outcome != Receipt.Outcome.UNKNOWN:
        return "duplicate"
    if seen is not None:
        # It came before what it refers to (a tax bill before the invtNo was
        # known, receipts out of order): try again now.
        seen.delete()
    head = record.head if isinstance(record, ceb.Tax) else record
    receipt = Receipt(kind=type(record).__name__, business_key=_key(record),
                      return_status=str(getattr(head, "return_status", None)
                                        or getattr(head, "status", None) or ""),
                      return_time=str(getattr(head, "return_time", "") or ""),
                      return_info=str(getattr(head, "return_info", "") or "")[:500],
                      digest=digest, received_at=clock.now(),
                      outcome=Receipt.Outcome.RECORDED)
    applier = _APPLIERS.get(type(record))
    outcome = applier(record, receipt) if applier else "recorded"
    receipt.save()
    return outcome


def _locked_by_cop(cop_no: str) -> Declaration | None:
    return (Declaration.objects.select_for_update().select_related("order")
            .filter(cop_no=cop_no).first())


@_applies(ceb.InventoryReturn)
def _inventory_receipt(record: ceb.InventoryReturn, receipt: Receipt) -> str:
    declaration = _locked_by_cop(record.cop_no)
    if declaration is None:
        log.warning("CEB622 for unknown copNo %s ignored", record.cop_no)
        receipt.outcome = Receipt.Outcome.UNKNOWN
        return "unknown"
    receipt.declaration = declaration
    if record.pre_no and not declaration.pre_no:
        declaration.pre_no = record.pre_no
    if record.invt_no and not declaration.invt_no:
        declaration.invt_no = record.invt_no
    to = states.next_state(declaration.state, declaration.status_code, record.return_status)
    if to is None:
        declaration.save(update_fields=["pre_no", "invt_no"])
        receipt.outcome = Receipt.Outcome.IGNORED
        return "ignored"
    now = clock.now()
    declaration.state, declaration.status_code = to, record.return_status
    declaration.status_info = record.return_info[:500]
    declaration.last_return_time, declaration.changed_at = record.return_time, now
    if to == D.RELEASED:
        declaration.released_at = now
    if to == D.CLOSED:
        declaration.closed_at = now
        declaration.released_at = declaration.released_at or now
    declaration.save()
    receipt.outcome = Receipt.Outcome.APPLIED
    order = declaration.order
    if to in (D.RELEASED, D.CLOSED):
        # An English msgid, translated when shown; the list number is on the declaration.
        order_services.mark_cleared(order.pk, note=gettext_noop("Released by customs"))
        if to == D.RELEASED:
            events.Released(order.pk, number=order.number).emit()
    elif to == D.REJECTED:
        events.Rejected(order.pk, number=order.number, reason=record.return_info[:200]).emit()
    return "applied"


def check_can_ship(order: Order) -> None:
    """orders.mark_shipped asks this under the order's row lock: no shipping
    while a cancellation awaits customs' answer (customs may approve it and the
    refund follow), nor after customs cancelled the declaration."""
    declaration = (Declaration.objects.filter(order_id=order.pk)
                   .only("state", "cancel_requested_at").first())
    if declaration is None:
        return
    if declaration.state == D.CANCELLED:
        raise CustomsError.CANCELLED.error(number=order.number)
    if declaration.cancel_requested_at is not None:
        raise CustomsError.CANCEL_PENDING.error(number=order.number)


def _cancel_answered(declaration: Declaration) -> None:
    """The cancellation is no longer outstanding (answered, refused by format,
    or its message given up): the order may ship again if it is released."""
    Declaration.objects.filter(pk=declaration.pk).update(cancel_requested_at=None)
    declaration.cancel_requested_at = None


def message_given_up(message: Message) -> None:
    """An operator gave a message up (ops.cancel_message): a cancellation that
    will never reach customs is not outstanding any more."""
    if message.kind == "CEB623" and message.declaration_id is not None:
        declaration = Declaration.objects.select_for_update().get(pk=message.declaration_id)
        _cancel_answered(declaration)


@_applies(ceb.InvtCancelReturn)
def _cancel_receipt(record: ceb.InvtCancelReturn, receipt: Receipt) -> str:
    declaration = _locked_by_cop(record.cop_no)
    if declaration is None:
        receipt.outcome = Receipt.Outcome.UNKNOWN
        return "unknown"
    receipt.declaration = declaration
    outcome = states.cancel_outcome(record.return_status)
    if outcome is not None:
        _cancel_answered(declaration)
    if outcome == "refused":
        # Customs kept the declaration: say so where operators look.
        log.warning("cancellation of %s refused: %s", record.cop_no, record.return_info)
        declaration.status_info = platform_text(
            gettext_noop("Cancellation refused by customs: %(reason)s"),
            reason=record.return_info)[:500]
        declaration.save(update_fields=["status_info"])
        receipt.outcome = Receipt.Outcome.APPLIED
        return "refused"
    shipped = declaration.order.state not in (Order.State.PAID, Order.State.ON_HOLD)
    if outcome != "approved" or declaration.state in states.FINAL or shipped:
        if outcome == "approved" and shipped:
            # The goods left already: a refund now would give them away.
            log.error("cancellation of %s approved after the order %s was %s", record.cop_no,
                      declaration.order.number, declaration.order.state)
            declaration.status_info = platform_text(
                gettext_noop("Cancellation approved after the order shipped: handle it by hand"))
            declaration.save(update_fields=["status_info"])
        receipt.outcome = Receipt.Outcome.IGNORED
        return "ignored"
    declaration.state, declaration.status_code = D.CANCELLED, "624:399"
    declaration.status_info = record.return_info[:500]
    declaration.changed_at = clock.now()
    declaration.save()
    receipt.outcome = Receipt.Outcome.APPLIED
    order = declaration.order
    events.Cancelled(order.pk, number=order.number, reason=record.return_info[:200]).emit()
    return "applied"


@_applies(ceb.InvtRefundReturn)
def _return_receipt(record: ceb.InvtRefundReturn, receipt: Receipt) -> str:
    declaration = _locked_by_cop(record.cop_no)
    ret = (ReturnDeclaration.objects.select_for_update()
           .filter(declaration=declaration, state=ReturnDeclaration.State.DECLARING)
           .order_by("created_at", "pk").first()) if declaration else None
    if ret is None:
        receipt.outcome = Receipt.Outcome.UNKNOWN
        return "unknown"
    receipt.declaration = declaration
    outcome = states.return_outcome(record.return_status)
    ret.status_code, ret.status_info = record.return_status, record.return_info[:500]
    ret.last_return_time, ret.changed_at = record.return_time, clock.now()
    if outcome is None:
        ret.save()
        receipt.outcome = Receipt.Outcome.APPLIED
        return "progress"
    ret.state = (ReturnDeclaration.State.ACCEPTED if outcome == "approved"
                 else ReturnDeclaration.State.REJECTED)
    ret.save()
    receipt.outcome = Receipt.Outcome.APPLIED
    order = declaration.order  # type: ignore[union-attr]
    event = events.ReturnCleared if outcome == "approved" else events.ReturnRejected
    event(order.pk, number=order.number, return_id=str(ret.after_sale_id),
          reason=record.return_info[:200]).emit()
    _declare_waiting_return(declaration)  # type: ignore[arg-type]
    return "applied"


def _declare_waiting_return(declaration: Declaration) -> None:
    """The next approved return of this order that waited for the previous one."""
    waiting = (AfterSale.objects.filter(order_id=declaration.order_id,
                                        state=AfterSale.State.APPROVED,
                                        customs_return__isnull=True)
               .order_by("decided_at", "pk").first())
    if waiting is not None:
        declare_return(waiting.pk)


TAX_VOID = "3"  # tax bill status (CEB816 / CEB818): 1 generated, 2 aggregated, 3 void


def _tax_voided(invt_no: str, tax_no: str) -> bool:
    """Customs voided this tax bill already (a CEB818 status 3 applied before)."""
    return Receipt.objects.filter(kind=ceb.TaxStatus.__name__, return_status=TAX_VOID,
                                  business_key=_key(ceb.TaxStatus(
                                      return_time="", invt_no=invt_no, tax_no=tax_no,
                                      status=TAX_VOID)),
                                  outcome=Receipt.Outcome.APPLIED).exists()


@_applies(ceb.Tax)
def _tax_bill(record: ceb.Tax, receipt: Receipt) -> str:
    declaration = (Declaration.objects.select_for_update()
                   .filter(invt_no=record.head.invt_no).first())
    if declaration is None:
        receipt.outcome = Receipt.Outcome.UNKNOWN
        return "unknown"
    receipt.declaration = declaration
    head = record.head
    if head.status.strip() == TAX_VOID or _tax_voided(head.invt_no, head.tax_no):
        # A void bill (cancellation, full return), or a late one after the void.
        declaration.customs_tax = None
    else:
        declaration.customs_tax = (Decimal(head.customs_tax) + Decimal(head.value_added_tax)
                                   + Decimal(head.consumption_tax))
    declaration.save(update_fields=["customs_tax"])
    receipt.outcome = Receipt.Outcome.APPLIED
    return "applied"


@_applies(ceb.TaxStatus)
def _tax_status(record: ceb.TaxStatus, receipt: Receipt) -> str:
    """CEB818: a tax bill's status changed; void (3) means the buyer owes no tax
    on this list any more (specs/cbec-customs.md §2.7, §5)."""
    declaration = (Declaration.objects.select_for_update()
                   .filter(invt_no=record.invt_no).first())
    if declaration is None:
        receipt.outcome = Receipt.Outcome.UNKNOWN
        return "unknown"
    receipt.declaration = declaration
    if record.status.strip() == TAX_VOID:
        declaration.customs_tax = None
        declaration.save(update_fields=["customs_tax"])
    receipt.outcome = Receipt.Outcome.APPLIED
    return "applied"


@_applies(ceb.MessageReturn)
def _format_error(record: ceb.MessageReturn, receipt: Receipt) -> str:
    message = Message.objects.filter(cop_msg_id=record.ori_cop_msg_id).first()
    if message is None:
        receipt.outcome = Receipt.Outcome.UNKNOWN
        return "unknown"
    receipt.declaration_id = message.declaration_id
    _move(message.pk, "refused", last_error=f"CEB900: {receipt.return_info}"[:500])
    if message.kind == "CEB623" and message.declaration_id is not None:
        _cancel_answered(Declaration.objects.select_for_update().get(pk=message.declaration_id))
    log.error("customs refused %s %s: %s", message.kind, message.business_key,
              receipt.return_info)
    receipt.outcome = Receipt.Outcome.APPLIED
    return "applied"


# --------------------------------------------------------- cancel and return


def _require_operator(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False)
            and (actor.is_superuser or actor.groups.filter(name="operator").exists())):
        raise CustomsError.NOT_OPERATOR.error()


def _inventory(declaration: Declaration) -> ceb.Inventory:
    order = declaration.order
    waybill = mapping.waybill_message(order, logistics_no=declaration.logistics_no,
                                      carrier=_carrier())
    return _inventory_of(order, waybill, declaration)


@transaction.atomic
def request_cancel(actor: Any, order_id: Any, reason: str) -> Declaration:
    """An operator cancels a declaration that customs accepted but has not
    released (CEB623); the refund follows the approval receipt."""
    _require_operator(actor)
    declaration = (Declaration.objects.select_for_update().select_related("order")
                   .filter(order_id=order_id).first())
    if declaration is None:
        raise CustomsError.NO_DECLARATION.error()
    reason = " ".join(str(reason or "").split())[:100]
    if not reason:
        raise CustomsError.NOT_CANCELLABLE.error(field="reason")
    if not declaration.invt_no or declaration.state in (D.RELEASED, *states.FINAL):
        raise CustomsError.NOT_CANCELLABLE.error(state=declaration.state)
    if declaration.cancel_requested_at is not None:
        raise CustomsError.CANCEL_PENDING.error(number=declaration.order.number)
    # The order's row lock orders this against mark_shipped (which holds it
    # while check_can_ship reads the flag set below): either the order shipped
    # first and is refused here, or the flag is committed before it can ship.
    order = Order.objects.select_for_update().get(pk=declaration.order_id)
    if order.state not in (Order.State.PAID, Order.State.ON_HOLD):
        raise CustomsError.NOT_CANCELLABLE.error(state=order.state)
    declaration.cancel_requested_at = clock.now()
    declaration.save(update_fields=["cancel_requested_at"])
    record = derive.cancel_for(_inventory(declaration).head, invt_no=declaration.invt_no,
                               reason=reason, pre_no=declaration.pre_no or None)
    _queue(declaration, "CEB623", declaration.cop_no,
           messages.build_ceb623([record], mapping.transfer(), signer=gateway.platform_signer()))
    audit.record(actor, "customs.cancel", declaration.order, number=declaration.order.number,
                 reason=reason)
    return declaration


@transaction.atomic
def declare_return(after_sale_id: Any) -> ReturnDeclaration | None:
    """Declare an approved return (CEB625, the returned quantities per line).
    Orders Shequn never declared are cleared at once (``customs.return_cleared``)."""
    after_sale = (AfterSale.objects.select_for_update().select_related("order")
                  .filter(pk=after_sale_id).first())
    if after_sale is None or after_sale.state != AfterSale.State.APPROVED:
        return None
    existing = ReturnDeclaration.objects.filter(after_sale=after_sale).first()
    if existing is not None:
        return existing
    order = after_sale.order
    declaration = Declaration.objects.select_for_update().filter(order=order).first()
    if declaration is not None and ReturnDeclaration.objects.filter(
            declaration=declaration, state=ReturnDeclaration.State.DECLARING).exists():
        # A CEB626 names only the inventory's copNo: one return at a time per
        # declaration, the next is declared when this one's answer comes.
        return None
    if declaration is None or not declaration.invt_no:
        events.ReturnCleared(order.pk, number=order.number, return_id=str(after_sale.pk),
                             reason="未经本平台申报 not declared here").emit()
        return None
    returned = {ln.line.gnum: Decimal(ln.qty) for ln in after_sale.lines.select_related("line")}
    record = derive.refund_for(_inventory(declaration), returned, invt_no=declaration.invt_no,
                               reason=after_sale.reason[:100] or "退货",
                               pre_no=declaration.pre_no or None)
    now = clock.now()
    ret = ReturnDeclaration.objects.create(after_sale=after_sale, declaration=declaration,
                                           cop_no=declaration.cop_no, created_at=now,
                                           changed_at=now)
    _queue(declaration, "CEB625", declaration.cop_no,
           messages.build_ceb625([record], mapping.transfer(), signer=gateway.platform_signer()))
    return ret


def pump_embedded() -> int:
    """Periodic job of the embedded runtime: let the in-process simulator move
    on and apply the receipts it has ready."""
    if not gateway.is_embedded():
        return 0
    return gateway.embedded(receive).pump()
