"""Domain events as small frozen dataclasses: the base every domain's
``events.py`` builds on. A subclass names its wire ``topic`` and ``aggregate``
and lists its payload fields, so the shape of an event is written in one
place. Publishers build one and call ``emit()`` inside their transaction;
handlers read a stored row back with ``of(event)``.

The topics and payload keys are the wire format of stored outbox rows:
renaming one would strand the rows already written (tests/core/test_event_names.py
pins them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Self

from shequn.core import outbox
from shequn.core.models import OutboxEvent


@dataclass(frozen=True)
class Event:
    """One event: ``aggregate_id`` is the row it is about (stored as text);
    every other field goes into the payload under its own name."""

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
        """The typed event of a stored outbox row. Payload keys it does not know
        are ignored (a row written by a newer version still reads); a field the
        row lacks takes its default, so fields added later need one."""
        if event.topic != cls.topic:
            raise ValueError(f"{event.topic} is not {cls.topic}")
        names = {f.name for f in fields(cls)} - {"aggregate_id"}
        payload = {k: v for k, v in (event.payload or {}).items() if k in names}
        return cls(aggregate_id=event.aggregate_id, **payload)
