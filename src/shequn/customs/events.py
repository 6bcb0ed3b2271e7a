"""The events the customs domain publishes (through the outbox): their topics
and payload shapes in one place. Each is a ``core.events.Event``: publishers
build one and call ``emit()`` inside their transaction; handlers read the
payload back with ``of(event)``. The topics and payload keys are the wire format of stored outbox
rows: renaming one would strand the rows already written.

Other domains react to them (``customs.released`` → the order may ship;
``customs.rejected`` / ``customs.cancelled`` → refund, stock and quota back;
``customs.return_cleared`` / ``customs.return_rejected`` → settle the return).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shequn.core.events import Event

SEND = "customs.send"
DECLARED = "customs.declared"
RELEASED = "customs.released"
REJECTED = "customs.rejected"
CANCELLED = "customs.cancelled"
RETURN_CLEARED = "customs.return_cleared"
RETURN_REJECTED = "customs.return_rejected"

ORDER = "order"
MESSAGE = "customs_message"


@dataclass(frozen=True)
class MessageQueued(Event):
    """A stored CEB message is to be handed to the gateway (``aggregate_id``:
    the Message's pk)."""

    topic: ClassVar[str] = SEND
    aggregate: ClassVar[str] = MESSAGE
    kind: str
    key: str


@dataclass(frozen=True)
class Declared(Event):
    topic: ClassVar[str] = DECLARED
    aggregate: ClassVar[str] = ORDER
    number: str
    cop_no: str


@dataclass(frozen=True)
class Released(Event):
    topic: ClassVar[str] = RELEASED
    aggregate: ClassVar[str] = ORDER
    number: str


@dataclass(frozen=True)
class Rejected(Event):
    topic: ClassVar[str] = REJECTED
    aggregate: ClassVar[str] = ORDER
    number: str
    reason: str


@dataclass(frozen=True)
class Cancelled(Event):
    topic: ClassVar[str] = CANCELLED
    aggregate: ClassVar[str] = ORDER
    number: str
    reason: str


@dataclass(frozen=True)
class ReturnCleared(Event):
    topic: ClassVar[str] = RETURN_CLEARED
    aggregate: ClassVar[str] = ORDER
    number: str
    return_id: str
    reason: str


@dataclass(frozen=True)
class ReturnRejected(Event):
    topic: ClassVar[str] = RETURN_REJECTED
    aggregate: ClassVar[str] = ORDER
    number: str
    return_id: str
    reason: str


PAYDECL_SUBMIT = "customs.paydecl_submit"
PAYDECL = "customs_paydecl"


@dataclass(frozen=True)
class PaymentDeclarationQueued(Event):
    """A WeChat payment declaration is to be submitted (``aggregate_id``: the
    PaymentDeclaration's pk; customs.paydecl.submit)."""

    topic: ClassVar[str] = PAYDECL_SUBMIT
    aggregate: ClassVar[str] = PAYDECL
    number: str
