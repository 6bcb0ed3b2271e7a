"""Customs' reactions to other domains' events (registered in apps.py)."""

from __future__ import annotations

from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.customs import events, paydecl, services
from shequn.orders import events as order_events


# Outside the event's transaction: the carrier is asked for the waybill first.
@outbox.handler(order_events.PAID, in_transaction=False)
def declare_paid_order(event: OutboxEvent) -> None:
    services.declare(event.aggregate_id)


# Outside the event's transaction: the gateway call must not hold a connection
# and the event's row lock (services.send records attempt and outcome itself).
@outbox.handler(events.SEND, in_transaction=False)
def send_message(event: OutboxEvent) -> None:
    services.send(int(events.MessageQueued.of(event).aggregate_id))


@outbox.handler(order_events.RETURN_APPROVED)
def declare_return(event: OutboxEvent) -> None:
    services.declare_return(int(event.payload["return_id"]))


# Outside the event's transaction: WeChat Pay is called (paydecl.submit records
# what it needs in its own short transactions).
@outbox.handler(events.PAYDECL_SUBMIT, in_transaction=False)
def submit_payment_declaration(event: OutboxEvent) -> None:
    paydecl.submit(int(events.PaymentDeclarationQueued.of(event).aggregate_id))


# An operator cleared a hold (order.paid again): held WeChat declarations go on.
@outbox.handler(order_events.PAID, in_transaction=False)
def resume_payment_declarations(event: OutboxEvent) -> None:
    paydecl.resume_after_hold(event.aggregate_id)
