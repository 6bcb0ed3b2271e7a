"""The inbound demo seed: one received ASN with its discrepancies, one pending,
shelf-life rules; running it again adds nothing."""

from __future__ import annotations

import pytest

from shequn.demo import seed_inbound, seeding
from shequn.inventory.models import ShelfLifeRule, StockMove
from shequn.logistics.models import ASN

pytestmark = pytest.mark.django_db


def test_seed_inbound_is_idempotent():
    data = seeding.seed()
    said: list[str] = []
    seed_inbound.seed(data, said.append)
    seed_inbound.seed(data, said.append)
    received = ASN.objects.get(reference=seed_inbound.RECEIVED_REF)
    assert received.status == ASN.Status.RECEIVED
    assert ASN.objects.filter(status=ASN.Status.SUBMITTED).count() == 1
    assert sorted((d.kind, d.qty) for d in received.discrepancies.all()) == [
        ("damaged", 1), ("short", 2)]
    moves = StockMove.objects.filter(ref=received.number)
    assert sorted((m.on_hand_delta, m.quarantine_delta) for m in moves) == [(0, 1), (45, 0)]
    assert ShelfLifeRule.objects.count() == 2
    assert received.number in said[-1]


def test_seed_trace_is_idempotent_and_links_a_unit():
    from shequn.demo import seed_trace
    from shequn.trace.models import CodeBatch, Signal, UnitCode

    data = seeding.seed()
    said: list[str] = []
    seed_trace.seed(data, said.append)
    batch = CodeBatch.objects.get()
    assert batch.generated == 12 and batch.cartons.count() == 2
    assert UnitCode.objects.filter(batch=batch, state="received").count() == 12
    assert Signal.objects.filter(kind="probes", org=data.brands["koala"]).count() == 1
    assert "/01/09312345000012/10/KD-IF3-900-L2603/21/" in said[-1]
