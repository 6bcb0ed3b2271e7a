"""The customs domain's events: topics and payloads as stored outbox rows have
always had them (rows already written still read), built and read through
customs.events."""

from __future__ import annotations

import pytest

from shequn.core.models import OutboxEvent
from shequn.customs import events
from shequn.customs.models import Message
from tests.customs.test_console import declared


def test_wire_names_are_unchanged():
    assert [e.topic for e in (events.MessageQueued, events.Declared, events.Released,
                              events.Rejected, events.Cancelled, events.ReturnCleared,
                              events.ReturnRejected)] == [
        "customs.send", "customs.declared", "customs.released", "customs.rejected",
        "customs.cancelled", "customs.return_cleared", "customs.return_rejected"]


@pytest.mark.django_db
def test_declaring_publishes_typed_events_with_the_stored_payloads():
    declaration = declared()
    row = OutboxEvent.objects.get(topic=events.DECLARED)
    assert (row.aggregate, row.aggregate_id) == ("order", str(declaration.order_id))
    assert row.payload == {"number": declaration.order.number, "cop_no": declaration.cop_no}
    assert events.Declared.of(row) == events.Declared(
        str(declaration.order_id), number=declaration.order.number, cop_no=declaration.cop_no)
    sends = OutboxEvent.objects.filter(topic=events.SEND).order_by("pk")
    kinds = [events.MessageQueued.of(e).kind for e in sends]
    assert kinds == ["CEB311", "CEB411", "CEB511"]  # the 621 waits for them
    first = Message.objects.filter(declaration=declaration).order_by("pk").first()
    assert first is not None and sends[0].aggregate == "customs_message"
    assert sends[0].payload == {"kind": "CEB311", "key": first.business_key}


@pytest.mark.django_db
def test_a_row_of_another_topic_is_not_read_as_this_event():
    row = OutboxEvent(topic="order.paid", payload={})
    with pytest.raises(ValueError):
        events.Released.of(row)
    old = OutboxEvent(topic=events.RELEASED, aggregate_id="7",
                      payload={"number": "N1", "added_later": 1})
    assert events.Released.of(old) == events.Released("7", number="N1")
