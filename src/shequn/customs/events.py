"""The events the customs domain publishes (through the outbox): their topics
and payload shapes in one place. Publishers build one of these and call
``emit()`` inside their transaction; handlers read the payload back with
``of(event)``. The topics and payload keys are the wire format of stored outbox
rows: renaming one would strand the rows already written.

Other domains react to them (``customs.released`` → the order may ship;
``customs.rejected`` / ``customs.cancelled`` → refund, stock and quota back;
``customs.return_cleared`` / ``customs.return_rejected`` → settle the return).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Self

from shequn.core import outbox
from shequn.core.models import OutboxEvent

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
class _Event:
    """One event: ``aggregate_id`` is the row it is about, every other field
    goes into the payload under its own name."""

    topic: ClassVar[str]
    aggregate: ClassVar[str]
    aggregate_id: Any

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("aggregate_id")
        return data

    def emit(self) -> OutboxEvent:
        return outbox.emit(self.topic, self.aggregate, self.aggregate_id, **self.payload())

    @classmethod
    def of(cls, event: OutboxEvent) -> Self:
        """The typed event of a stored outbox row (unknown payload keys ignored,
        so a row written by a newer version still reads)."""
        if event.topic != cls.topic:
            raise ValueError(f"{event.topic} is not {cls.topic}")
        names = {f.name for f in fields(cls)} - {"aggregate_id"}
        payload = {k: v for k, v in (event.payload or {}).items() if k in names}
        return cls(aggregate_id=event.aggregate_id, **payload)


@dataclass(frozen=True)
class MessageQueued(_Event):
    """A stored CEB message is to be handed to the gateway (``aggregate_id``:
    the Message's pk)."""

    topic: ClassVar[str] = SEND
    aggregate: ClassVar[str] = MESSAGE
    kind: str
    key: str


@dataclass(frozen=True)
class Declared(_Event):
    topic: ClassVar[str] = DECLARED
    aggregate: ClassVar[str] = ORDER
    number: str
    cop_no: str


@dataclass(frozen=True)
class Released(_Event):
    topic: ClassVar[str] = RELEASED
    aggregate: ClassVar[str] = ORDER
    number: str


@dataclass(frozen=True)
class Rejected(_Event):
    topic: ClassVar[str] = REJECTED
    aggregate: ClassVar[str] = ORDER
    number: str
    reason: str


@dataclass(frozen=True)
class Cancelled(_Event):
    topic: ClassVar[str] = CANCELLED
    aggregate: ClassVar[str] = ORDER
    number: str
    reason: str


@dataclass(frozen=True)
class ReturnCleared(_Event):
    topic: ClassVar[str] = RETURN_CLEARED
    aggregate: ClassVar[str] = ORDER
    number: str
    return_id: str
    reason: str


@dataclass(frozen=True)
class ReturnRejected(_Event):
    topic: ClassVar[str] = RETURN_REJECTED
    aggregate: ClassVar[str] = ORDER
    number: str
    return_id: str
    reason: str
