"""The demo's authorization chains (demo.seed_grants): brand → importer →
seller for every demo brand, all active, one ending within five days; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from shequn.brands import chain
from shequn.brands.models import Grant
from shequn.demo import seed_grants
from shequn.demo import seeding as demo

pytestmark = pytest.mark.django_db


def test_every_demo_sku_is_covered_through_the_importer():
    data = demo.seed()
    said: list[str] = []
    seed_grants.seed(data, said.append)
    assert said and "Authorization chains ready" in said[0]
    assert chain.covered_sku_ids([s.pk for s in data.skus.values()]) == {
        s.pk for s in data.skus.values()}
    rows = list(Grant.objects.all())
    assert len(rows) == 2 * len(data.brands)
    assert {g.status for g in rows} == {"active"}
    assert all(g.document_sha256 and g.document_type == "application/pdf" for g in rows)
    soon = [g for g in rows if g.valid_to <= chain.today() + dt.timedelta(days=5)]
    assert len(soon) == 1
    view = chain.chain_for_product(next(iter(data.skus.values())).product)
    assert [n.kind for n in view.nodes] == ["brand", "importer", "seller", "platform"]
    assert view.nodes[1].name == seed_grants.IMPORTER_NAME
    seed_grants.seed(data, said.append)
    assert Grant.objects.count() == len(rows)
