"""WeChat Pay payment declarations (支付单报关; specs/wechat-channel.md §4):
for an order paid with WeChat Pay, WeChat Pay (财付通) pushes the payment
record (CEB411) to customs when asked; this takes the place of our CEB411.

``services._declare`` records a ``PaymentDeclaration`` and queues its
submission (the ``customs.paydecl_submit`` outbox event, handled by
``submit`` outside any transaction). The periodic ``poll_due`` queries WeChat
until SUCCESS or FAIL (there is no callback). SUCCESS counts where a handed-over
CEB411 counts (``services._documents_needed``): the CEB621 may leave. FAIL, a
refusal of the request or a payer WeChat does not know as the buyer
(cert_check_result DIFFERENT) put the order on hold for an operator; clearing
the hold (order.paid again, ``resume_after_hold``) submits a failed one again
(MODIFY) and lets a DIFFERENT one go on.

Every move is customs.states.PD_MOVES applied with a conditional update under
the row's lock, so duplicate submissions, concurrent polls and a restart at any
point change nothing twice: a submission whose answer was lost gets 35311004
("already submitted") next time and is polled; a submitted declaration is
polled again after a restart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from shequn.accounts.roles import OPERATOR, has_role
from shequn.core import audit, clock, outbox, pii
from shequn.core.platformtext import platform_text
from shequn.customs import events, gateway, mapping, services, states
from shequn.customs.ceb import dxp, messages
from shequn.customs.errors import CustomsError
from shequn.customs.models import Declaration, PaymentDeclaration
from shequn.customs.simstate import DatabaseStore
from shequn.customs.wxdeclare import client as wx
from shequn.customs.wxdeclare import sim
from shequn.orders import services as order_services
from shequn.payments.models import Payment

log = logging.getLogger("shequn.customs")
P = PaymentDeclaration.State

HOLD_FAILED = gettext_noop("WeChat Pay customs declaration failed")
HOLD_DIFFERENT = gettext_noop("The payer registered with WeChat Pay is not the buyer")
# result_code=FAIL answers that say "not now" rather than "no".
RETRYABLE_ERRORS = frozenset({"SYSTEMERROR", "SYSTEM_ERROR", "FREQUENCY_LIMITED"})
# Simulator-only key when none is configured (demo); envconfig requires one elsewhere.
SIM_KEY = "shequn-demo-wxpay-v2-key-0000000"


class PollPending(RuntimeError):
    """The query did not give an answer this time; the poll job tries again."""


# ------------------------------------------------------------------ wiring
def _embedded(conf: dict[str, Any]) -> bool:
    return conf["url"] in ("", "embedded")


def client() -> wx.Client:
    conf = mapping.wechatpay_customs()
    key = conf["key"] or (SIM_KEY if _embedded(conf) else "")
    transport: wx.Transport = (sim.SimTransport() if _embedded(conf)
                               else wx.HttpTransport(conf["url"]))
    return wx.Client(wx.Credentials(conf["appid"], conf["mch_id"], key, conf["sign_type"]),
                     transport)


def sim_config() -> sim.SimConfig:
    """The simulator plays the merchant configured here (same ids and key)."""
    conf = mapping.wechatpay_customs()
    return sim.SimConfig(appid=conf["appid"], mch_id=conf["mch_id"],
                         key=conf["key"] or SIM_KEY,
                         registrations={conf["customs"]: conf["mch_customs_no"]})


def known_payment(transaction_id: str) -> sim.Txn | None:
    """The simulator's view of a WeChat Pay transaction: our Payment row (until
    the WeChat Pay simulator registers its own). The payer WeChat knows is the
    buyer unless the payment reported someone else."""
    payment = (Payment.objects.select_related("order")
               .filter(provider=mapping.WECHATPAY, provider_txn_id=transaction_id).first())
    if payment is None:
        return None
    order = payment.order
    same = not payment.payer_id_hash or payment.payer_id_hash == order.buyer_id_hash
    return sim.Txn(
        transaction_id=transaction_id, out_trade_no=payment.out_trade_no,
        total_fen=int(payment.amount * 100),
        trade_state="SUCCESS" if payment.state == Payment.State.SUCCEEDED else "NOTPAY",
        payer_name=order.buyer_name if same else (payment.payer_name or "?"),
        payer_id=pii.decrypt(order.buyer_id_enc) if same else (payment.payer_id_masked or "?"))


def push_to_customs(record: dict[str, Any]) -> None:
    """What WeChat Pay does on SUCCESS, simulated: send customs the CEB411 with
    Tenpay's code and the payer identity WeChat knows (so 三单对碰 fails when
    that is not the buyer)."""
    payment = (Payment.objects.select_related("order")
               .filter(provider_txn_id=record.get("transaction_id")).first())
    if payment is None:
        return
    try:
        head = mapping.payment_message(payment)
    except mapping.MappingError as exc:
        log.warning("simulated WeChat push of %s skipped: %s", payment.out_trade_no, exc)
        return
    txn = sim.lookup(payment.provider_txn_id or "", payment.out_trade_no)
    if txn is not None and txn.payer_id and txn.payer_name:
        head = dataclasses.replace(head, payer_id_number=txn.payer_id,
                                   payer_name=txn.payer_name)
    root = messages.build_ceb411([head], mapping.transfer(mapping.pay_party_of(payment)))
    data = messages.to_bytes(dxp.wrap(root, sender_id="DXPTENPAY0000001"))
    for answer in gateway.get_gateway(services.receive).submit(data):
        services.receive(answer)


def install_simulator() -> None:
    """Hooks of the simulator (AppConfig.ready; they survive ``sim.reset``)."""
    sim.set_configurator(sim_config)
    sim.set_store(lambda: DatabaseStore("wxdeclare"))
    sim.register_lookup(known_payment, permanent=True)
    sim.register_pusher(push_to_customs, permanent=True)


# ------------------------------------------------------------------- moves
def _move(pd_id: int, action: str, **changes: Any) -> int:
    sources, target = states.pd_move(action)
    return PaymentDeclaration.objects.filter(pk=pd_id, state__in=sources).update(
        state=target, changed_at=clock.now(), **changes)


def _poll_after(now: dt.datetime, polls: int = 0) -> dt.datetime:
    base = max(1, int(mapping.wechatpay_customs()["poll_seconds"]))
    # Every poll_seconds for the first hour or so, then less often.
    return now + dt.timedelta(seconds=base if polls < 60 else base * 10)


def _hold(pd: PaymentDeclaration, reason: str, detail: str) -> None:
    """Hold the order for an operator (once per problem)."""
    if pd.held_at is not None and pd.hold_cleared_at is None:
        return
    # The order's note is the msgid alone (pages translate it); the details
    # are on the declaration (the customs console shows them).
    if order_services.hold(pd.order_id, reason=reason):
        now = clock.now()
        PaymentDeclaration.objects.filter(pk=pd.pk).update(held_at=now, hold_cleared_at=None)
        pd.held_at, pd.hold_cleared_at = now, None
        log.warning("order of payment declaration %s held: %s (%s)", pd.pk, reason, detail)


def _request(pd: PaymentDeclaration) -> wx.DeclareRequest:
    order, payment = pd.order, pd.payment
    cert_id = pii.decrypt(order.buyer_id_enc) if order.buyer_id_enc else ""
    if cert_id:
        audit.record(None, "pii.decrypt", order,
                     purpose="WeChat Pay customs declaration (real-name check)")
    return wx.DeclareRequest(
        out_trade_no=payment.out_trade_no, transaction_id=payment.provider_txn_id or "",
        customs=pd.customs, mch_customs_no=pd.mch_customs_no, action_type=pd.action_type,
        sub_order_no=pd.sub_order_no, cert_id=cert_id, name=order.buyer_name)


# ------------------------------------------------------------------ submit
def submit(pd_id: int) -> str:
    """Submit one queued declaration (outbox handler, no transaction open
    during the call). Raises when it should be tried again (the outbox retries
    with backoff, then lists a dead letter)."""
    with transaction.atomic():
        pd = (PaymentDeclaration.objects.select_for_update()
              .select_related("order", "payment").filter(pk=pd_id).first())
        if pd is None or pd.state != P.QUEUED:
            return "skipped"
        pd.attempts += 1
        PaymentDeclaration.objects.filter(pk=pd.pk).update(attempts=pd.attempts,
                                                           changed_at=clock.now())
        request = _request(pd)
    try:
        result = client().declare(request)
    except wx.CommunicationFailed as exc:
        _refused(pd_id, f"return_code=FAIL: {exc}")
        return "refused"
    except wx.WxDeclareError as exc:
        _note_error(pd_id, f"{type(exc).__name__}: {exc}")
        raise
    if not result.ok:
        if result.err_code == wx.ALREADY_SUBMITTED:
            # An earlier attempt got there (its answer was lost): poll it.
            _submitted(pd_id, dataclasses.replace(result, state=""))
            return "already_submitted"
        error = f"{result.err_code}: {result.err_code_des}"
        if result.err_code in RETRYABLE_ERRORS:
            _note_error(pd_id, error)
            raise wx.WxDeclareError(error, code=result.err_code)
        _refused(pd_id, error)
        return "refused"
    _submitted(pd_id, result)
    return "submitted"


def _note_error(pd_id: int, error: str) -> None:
    PaymentDeclaration.objects.filter(pk=pd_id).update(error=error[:500])


@transaction.atomic
def _refused(pd_id: int, error: str) -> None:
    pd = PaymentDeclaration.objects.select_for_update().get(pk=pd_id)
    if _move(pd_id, "refused", error=error[:500], decided_at=clock.now(), next_poll_at=None):
        log.error("WeChat Pay refused payment declaration %s: %s", pd_id, error)
        _hold(pd, HOLD_FAILED, error)


def _submitted(pd_id: int, result: wx.DeclareResult) -> None:
    if _record_submitted(pd_id, result) == "accepted":
        _accepted(pd_id)


@transaction.atomic
def _record_submitted(pd_id: int, result: wx.DeclareResult) -> str:
    pd = PaymentDeclaration.objects.select_for_update().get(pk=pd_id)
    now = clock.now()
    changes: dict[str, Any] = {"submitted_at": now, "next_poll_at": _poll_after(now),
                               "error": ""}
    if result.state:
        changes["wx_state"] = result.state
    if result.sub_order_id:
        changes["sub_order_id"] = result.sub_order_id
    if result.modify_time:
        changes["wx_modify_time"] = result.modify_time[:14]
    if result.cert_check_result:
        changes["cert_check_result"] = result.cert_check_result
    if not _move(pd_id, "submitted", **changes):
        return "duplicate"
    pd.refresh_from_db()
    if pd.cert_check_result == wx.DIFFERENT:
        _hold(pd, HOLD_DIFFERENT, "cert_check_result=DIFFERENT")
    action = states.pd_action_for(result.state or "")
    if action not in (None, "progress"):
        return _verdict(pd, action, explanation="")
    return "submitted"


# -------------------------------------------------------------------- poll
def poll_due(limit: int = 50) -> int:
    """Periodic job: query every submitted declaration whose time has come."""
    due = list(PaymentDeclaration.objects.filter(state__in=states.PD_POLLED,
                                                 next_poll_at__lte=clock.now())
               .order_by("next_poll_at").values_list("pk", flat=True)[:limit])
    done = 0
    for pk in due:
        try:
            poll(pk)
            done += 1
        except Exception as exc:
            log.exception("payment declaration %s: query failed", pk)
            # Its turn comes again later, not first in the next run: the oldest
            # failing ones kept the whole batch and the rest were never asked.
            _poll_failed(pk, f"{type(exc).__name__}: {exc}")
    return done


def poll(pd_id: int) -> str:
    """Query one declaration and apply the answer (no transaction open during
    the call); an EXCEPT is re-pushed."""
    pd = PaymentDeclaration.objects.select_related("payment").filter(pk=pd_id).first()
    if pd is None or pd.state not in states.PD_POLLED:
        return "skipped"
    if pd.state == P.EXCEPTION:
        return _repush(pd)
    try:
        result = client().query(pd.customs, transaction_id=pd.payment.provider_txn_id or "",
                                out_trade_no=pd.payment.out_trade_no,
                                sub_order_no=pd.sub_order_no)
    except wx.WxDeclareError as exc:
        return _poll_failed(pd_id, f"{type(exc).__name__}: {exc}")
    item = result.item(pd.sub_order_no) if result.ok else None
    if item is None:
        return _poll_failed(pd_id, f"{result.err_code or 'no record'}: {result.err_code_des}")
    outcome = _apply(pd_id, item)
    if outcome == "accepted":
        _accepted(pd_id)
    return outcome


def _poll_failed(pd_id: int, error: str) -> str:
    now = clock.now()
    log.warning("payment declaration %s: query gave no answer: %s", pd_id, error)
    PaymentDeclaration.objects.filter(pk=pd_id, state__in=states.PD_POLLED).update(
        error=error[:500], next_poll_at=_poll_after(now))
    return "error"


@transaction.atomic
def _apply(pd_id: int, item: wx.QueryItem) -> str:
    pd = PaymentDeclaration.objects.select_for_update().get(pk=pd_id)
    if pd.state not in states.PD_POLLED:
        return "duplicate"
    now = clock.now()
    pd.polls += 1
    pd.wx_state = item.state[:12]
    pd.cert_check_result = item.cert_check_result[:10] or pd.cert_check_result
    pd.wx_modify_time = item.modify_time[:14] or pd.wx_modify_time
    pd.sub_order_id = item.sub_order_id or pd.sub_order_id
    pd.error = item.explanation[:500]
    pd.next_poll_at, pd.changed_at = _poll_after(now, pd.polls), now
    pd.save(update_fields=["polls", "wx_state", "cert_check_result", "wx_modify_time",
                           "sub_order_id", "error", "next_poll_at", "changed_at"])
    if pd.cert_check_result == wx.DIFFERENT:
        _hold(pd, HOLD_DIFFERENT, "cert_check_result=DIFFERENT")
    action = states.pd_action_for(item.state)
    if action is None:
        log.warning("payment declaration %s: unknown WeChat state %r", pd_id, item.state)
        return "recorded"
    if action == "progress":
        return "progress"
    return _verdict(pd, action, explanation=item.explanation)


def _verdict(pd: PaymentDeclaration, action: str, *, explanation: str) -> str:
    """Apply SUCCESS / FAIL / EXCEPT (inside the caller's transaction, row locked)."""
    now = clock.now()
    if action == "exception":
        _move(pd.pk, "exception", next_poll_at=now)
        return "exception"
    if not _move(pd.pk, action, decided_at=now, next_poll_at=None):
        return "duplicate"
    if action == "failed":
        log.error("payment declaration %s failed: %s", pd.pk, explanation)
        _hold(pd, HOLD_FAILED, explanation)
        return "failed"
    return "accepted"


def _accepted(pd_id: int) -> None:
    """After the SUCCESS is committed: the inventory list may leave now (its
    own transaction locks the declaration; idempotent)."""
    declaration_id = (Declaration.objects.filter(order__payment_declarations__pk=pd_id)
                      .values_list("pk", flat=True).first())
    if declaration_id is not None:
        services._queue_inventory(declaration_id)


def _repush(pd: PaymentDeclaration) -> str:
    """Customs' interface failed (EXCEPT): ask WeChat to push again, a few times."""
    if pd.repushes >= states.PD_MAX_REPUSH:
        with transaction.atomic():
            locked = PaymentDeclaration.objects.select_for_update().get(pk=pd.pk)
            if locked.state != P.EXCEPTION:
                return "duplicate"
            return _verdict(locked, "failed", explanation=locked.error or "EXCEPT")
    try:
        result = client().redeclare(pd.customs, pd.mch_customs_no,
                                    transaction_id=pd.payment.provider_txn_id or "",
                                    out_trade_no=pd.payment.out_trade_no,
                                    sub_order_no=pd.sub_order_no)
    except wx.WxDeclareError as exc:
        return _poll_failed(pd.pk, f"{type(exc).__name__}: {exc}")
    if not result.ok:
        return _poll_failed(pd.pk, f"{result.err_code}: {result.err_code_des}")
    now = clock.now()
    with transaction.atomic():
        locked = PaymentDeclaration.objects.select_for_update().get(pk=pd.pk)
        _move(pd.pk, "repushed", repushes=locked.repushes + 1,
              wx_state=result.state or wx.UNDECLARED, next_poll_at=_poll_after(now))
    return "repushed"


# --------------------------------------------------------- operator action
def query_now(actor: Any, pd_id: int) -> str:
    """An operator asks for a declaration's answer now rather than at the next
    poll: a submitted (or EXCEPT) one is ``poll``-ed at once, one whose
    submission failed and is still queued (the outbox retries it) is
    ``submit``-ted again; both are idempotent under the row's lock and hold
    no transaction open during the call to WeChat. A decided declaration, or
    one not yet tried, is refused and nothing changes. Returns the outcome of
    ``poll`` / ``submit`` ("error" when WeChat could not be reached)."""
    if not has_role(actor, OPERATOR):
        raise CustomsError.NOT_OPERATOR.error()
    pd = PaymentDeclaration.objects.select_related("order").filter(pk=pd_id).first()
    if pd is None:
        raise CustomsError.PAYMENT_DECLARATION_NOT_FOUND.error(payment_declaration=pd_id)
    previous = pd.state
    if previous in states.PD_POLLED:
        action, outcome = "poll", poll(pd.pk)
    elif previous == P.QUEUED and pd.attempts > 0:
        action = "submit"
        try:
            outcome = submit(pd.pk)
        except wx.WxDeclareError:
            # Noted on the declaration by ``submit``; the outbox still retries.
            outcome = "error"
    elif previous == P.QUEUED:
        raise CustomsError.PAYMENT_DECLARATION_WAITING.error(payment_declaration=pd_id)
    else:
        raise CustomsError.PAYMENT_DECLARATION_DECIDED.error(payment_declaration=pd_id,
                                                             state=previous)
    current = (PaymentDeclaration.objects.filter(pk=pd.pk)
               .values_list("state", "wx_state").first() or ("", ""))
    if action == "submit" and current[0] != P.QUEUED:
        _retire_dead_submits(actor, pd.pk)
    audit.record(actor, "customs.paydecl_query_now", pd.order, payment_declaration=pd.pk,
                 step=action, previous_state=previous, state=current[0],
                 wx_state=current[1], outcome=outcome)
    log.info("payment declaration %s: %s by an operator: %s", pd.pk, action, outcome)
    return outcome


def _retire_dead_submits(actor: Any, pd_id: int) -> None:
    """The declaration left the queue by the operator's hand: its submit events
    that gave up (dead letters) are taken off the dead-letter list (each discard
    audited by the outbox), as a customs message's resend does."""
    from shequn.core.models import OutboxEvent

    dead = (OutboxEvent.objects.filter(topic=events.PaymentDeclarationQueued.topic,
                                       aggregate=events.PAYDECL, aggregate_id=str(pd_id),
                                       dead_at__isnull=False, processed_at__isnull=True)
            .values_list("pk", flat=True))
    for pk in dead:
        outbox.discard(pk, actor, platform_text(
            gettext_noop("Payment declaration %(id)s submitted again by an operator"), id=pd_id))


def can_query_now(pd: PaymentDeclaration) -> bool:
    """Whether ``query_now`` acts on this declaration (for the pages)."""
    return pd.state in states.PD_POLLED or (pd.state == P.QUEUED and pd.attempts > 0)


# ------------------------------------------------------------- after a hold
def resume_after_hold(order_id: Any) -> int:
    """An operator cleared the order's hold (order.paid again): a failed
    declaration is submitted again (MODIFY once WeChat has it), a DIFFERENT
    payer is accepted, and the inventory list may leave. Idempotent."""
    resumed = 0
    with transaction.atomic():
        held = list(PaymentDeclaration.objects.select_for_update().select_related("order")
                    .filter(order_id=order_id, held_at__isnull=False,
                            hold_cleared_at__isnull=True))
        for pd in held:
            if pd.order.state != pd.order.State.PAID:
                continue
            now = clock.now()
            PaymentDeclaration.objects.filter(pk=pd.pk).update(hold_cleared_at=now)
            if pd.state == P.FAILED and _move(
                    pd.pk, "resubmit", action_type="MODIFY" if pd.submitted_at else "ADD",
                    decided_at=None):
                events.PaymentDeclarationQueued(pd.pk, number=pd.order.number).emit()
            resumed += 1
    if resumed:
        declaration_id = (Declaration.objects.filter(order_id=order_id)
                          .values_list("pk", flat=True).first())
        if declaration_id is not None:
            services._queue_inventory(declaration_id)
    return resumed
