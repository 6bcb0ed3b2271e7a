"""Operator actions of the customs console on messages that did not go out:
resend (queue the stored message again) and cancel (give up on it). Each is
one transaction, for operators only, and in the audit log. Cancelling a
declaration is ``services.request_cancel`` (CEB623); ``cancel_declaration``
only resolves the order number for the pages and the API.

A message given up on is ``cancelled`` with the operator's reason (the audit
log keeps who); the moves are ``customs.states.MESSAGE_MOVES``."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from shequn.accounts.roles import OPERATOR, has_role
from shequn.core import audit, clock, outbox
from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _
from shequn.core.models import OutboxEvent
from shequn.core.platformtext import platform_text
from shequn.customs import events, services, states
from shequn.customs.errors import CustomsError
from shequn.customs.models import Declaration, Message
from shequn.customs.selectors import SEND_TOPIC
from shequn.orders.models import Order

log = logging.getLogger("shequn.customs")


class CustomsOpsError(CodedError):
    MESSAGE_NOT_FOUND = ("customs_message_not_found", _("Customs message not found"), 404)
    MESSAGE_SENT = ("customs_message_sent", _("The message was sent already"), 409)
    MESSAGE_IN_FLIGHT = ("customs_message_retrying",
                         _("The message is still being retried; act once it is a dead letter"), 409)
    MESSAGE_CANCELLED = ("customs_message_cancelled",
                         _("The message was given up and is never sent again"), 409)
    REASON_REQUIRED = ("reason_required", _("Please give a reason"), 422)


def require_operator(actor: Any) -> None:
    if not has_role(actor, OPERATOR):
        raise CustomsError.NOT_OPERATOR.error()


def _send_events(message: Message) -> list[OutboxEvent]:
    """The message's send events that are not finished (retrying or dead), locked."""
    return list(OutboxEvent.objects.select_for_update()
                .filter(topic=SEND_TOPIC, aggregate=events.MESSAGE,
                        aggregate_id=str(message.pk), processed_at__isnull=True)
                .order_by("pk"))


def _locked_unsent(message_id: int, action: str) -> tuple[Message, list[OutboxEvent]]:
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise CustomsOpsError.MESSAGE_NOT_FOUND.error(message_id=message_id)
    if message.state == Message.State.SENT:
        raise CustomsOpsError.MESSAGE_SENT.error(message_id=message_id)
    if message.state == Message.State.CANCELLED:
        raise CustomsOpsError.MESSAGE_CANCELLED.error(message_id=message_id)
    sends = _send_events(message)
    if (message.state not in states.message_move(action)[0]
            or any(e.dead_at is None for e in sends) or _fresh_attempt(message)):
        # A retry is still scheduled; acting now would send it twice or race it.
        raise CustomsOpsError.MESSAGE_IN_FLIGHT.error(message_id=message_id)
    return message, sends


def _fresh_attempt(message: Message) -> bool:
    """A hand-over started recently may still be under way."""
    if message.state != Message.State.SENDING or message.attempted_at is None:
        return False
    age = (clock.now() - message.attempted_at).total_seconds()
    return age < states.SEND_STALE_SECONDS


def _retire(sends: list[OutboxEvent], actor: Any, why: str) -> None:
    """Dead letters of this message are replaced (resend) or abandoned (cancel):
    take them off the dead-letter list (each discard is audited by the outbox)."""
    for event in sends:
        outbox.discard(event.pk, actor, why)


@transaction.atomic
def resend_message(actor: Any, message_id: int, note: str = "") -> Message:
    """Queue a message that did not go out (CEB900, or a dead letter) again,
    exactly as stored; a new ``customs.send`` event sends it."""
    require_operator(actor)
    message, sends = _locked_unsent(message_id, "resend")
    previous = (message.state, message.attempts, message.last_error)
    _retire(sends, actor, platform_text(_("Superseded by a resend of customs message %(id)s"),
                                        id=message.pk))
    message.state, message.last_error = states.message_move("resend")[1], ""
    message.save(update_fields=["state", "last_error"])
    events.MessageQueued(message.pk, kind=message.kind, key=message.business_key).emit()
    audit.record(actor, "customs.message_resend", message, kind=message.kind,
                 key=message.business_key, previous_state=previous[0], attempts=previous[1],
                 last_error=previous[2][:200], note=" ".join(note.split())[:200])
    log.info("customs message %s (%s) resent by an operator", message.pk, message.kind)
    return message


@transaction.atomic
def cancel_message(actor: Any, message_id: int, reason: str) -> Message:
    """Give up on a message that did not go out: it is never sent again and
    leaves the console's list. The clearance itself is handled separately
    (cancel the declaration, refund the order)."""
    require_operator(actor)
    reason = " ".join(str(reason or "").split())[:200]
    if not reason:
        raise CustomsOpsError.REASON_REQUIRED.error()
    message, sends = _locked_unsent(message_id, "give_up")
    previous = (message.state, message.last_error)
    _retire(sends, actor, platform_text(_("Customs message %(id)s given up: %(reason)s"),
                                        id=message.pk, reason=reason))
    message.state, message.cancel_reason = states.message_move("give_up")[1], reason
    message.save(update_fields=["state", "cancel_reason"])
    services.message_given_up(message)
    audit.record(actor, "customs.message_cancel", message, kind=message.kind,
                 key=message.business_key, previous_state=previous[0],
                 last_error=previous[1][:200], reason=reason)
    log.info("customs message %s (%s) cancelled by an operator", message.pk, message.kind)
    return message


def cancel_declaration(actor: Any, order_number: str, reason: str) -> Declaration:
    """Cancel the declaration of the order ``order_number`` (CEB623 through
    ``services.request_cancel``, which is the transaction and the audit)."""
    require_operator(actor)
    if not " ".join(str(reason or "").split()):
        raise CustomsOpsError.REASON_REQUIRED.error()
    order_id = (Order.objects.filter(number=order_number.strip()[:30])
                .values_list("pk", flat=True).first())
    if order_id is None:
        raise CustomsError.NO_DECLARATION.error()
    return services.request_cancel(actor, order_id, reason)


def ensure_refundable(order: Order) -> None:
    """An operator's refund of a paid order would leave its declaration live at
    customs (the buyer's customs quota used, a tax bill issued for goods that
    never ship): while one is live, the way back is to cancel it (CEB623), and
    the refund follows customs' approval."""
    live = (Declaration.objects.filter(order=order)
            .exclude(state__in=[Declaration.State.REJECTED, Declaration.State.CANCELLED])
            .exists())
    if live:
        raise CustomsError.DECLARED.error(number=order.number)
