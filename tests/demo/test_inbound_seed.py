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
    received = ASN.objects.get(status=ASN.Status.RECEIVED)
    assert ASN.objects.filter(status=ASN.Status.SUBMITTED).count() == 1
    assert sorted((d.kind, d.qty) for d in received.discrepancies.all()) == [
        ("damaged", 1), ("short", 2)]
    moves = StockMove.objects.filter(ref=received.number)
    assert sorted((m.on_hand_delta, m.quarantine_delta) for m in moves) == [(0, 1), (45, 0)]
    assert ShelfLifeRule.objects.count() == 2
    assert received.number in said[-1]
