"""Codes only for products the operators approved: a unit with a code checks
as genuine on the public verify page, so a product still in draft, waiting
for review or rejected gets none (by the brand console or at inbound)."""

from __future__ import annotations

import pytest

from shequn.catalog.models import Product
from shequn.trace.models import CodeBatch
from tests.builders.catalog import make_gtin, make_product, make_sku
from tests.builders.console import make_brand

pytestmark = pytest.mark.django_db
R = Product.ReviewState


@pytest.mark.parametrize("state", [R.DRAFT, R.PENDING, R.REJECTED])
def test_a_product_not_approved_gets_no_codes(client, state):
    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    Product.objects.filter(pk=sku.product_id).update(review_state=state)
    client.force_login(brand.staff)
    resp = client.post("/brand/codes/", {"sku": sku.pk, "lot": "L1", "quantity": "5"})
    assert resp.status_code == 409
    assert not CodeBatch.objects.exists()
    Product.objects.filter(pk=sku.product_id).update(review_state=R.APPROVED)
    resp = client.post("/brand/codes/", {"sku": sku.pk, "lot": "L1", "quantity": "5"})
    assert resp.status_code == 302 and CodeBatch.objects.count() == 1


def test_nor_at_inbound(client):
    from shequn.core.errors import DomainError
    from shequn.trace import codes
    from shequn.trace.errors import TraceError
    from tests.builders.inbound import make_asn, operated_warehouse, staff

    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    op, house = operated_warehouse()
    asn = make_asn(brand.org, house, [(sku, "L1", 4)])
    Product.objects.filter(pk=sku.product_id).update(review_state=R.PENDING)
    with pytest.raises(DomainError) as err:
        codes.create_batch(staff(op), None, asn_line_id=asn.lines.get().pk,
                           warehouses=type(house).objects.filter(operator=op))
    assert err.value.code == TraceError.NOT_APPROVED
