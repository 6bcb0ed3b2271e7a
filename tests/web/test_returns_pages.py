"""Buyer asks for a return on the order page; the operator approves it on the
ops order page; the money goes back and the order page shows it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from shequn.orders import services
from shequn.orders.models import AfterSale
from tests.builders import (
    make_buyer,
    make_sku,
    make_stock,
    make_warehouse,
    place_paid_order,
    run_events,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="op-returns")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def test_return_request_and_approval_through_the_pages(client, operator):
    buyer = make_buyer()
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(buyer, sku, qty=2)
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)
    line = order.lines.get()

    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/")
    assert "申请退货" in page.content.decode()
    bad = client.post(f"/orders/{order.number}/return/", {f"qty_{line.pk}": "5", "reason": "x"})
    assert bad.status_code == 422 and 'data-code="bad_return_lines"' in bad.content.decode()
    assert not AfterSale.objects.exists()
    ok = client.post(f"/orders/{order.number}/return/",
                     {f"qty_{line.pk}": "1", "reason": "<script>alert(1)</script>"})
    assert ok.status_code == 302
    after_sale = AfterSale.objects.get()

    client.force_login(operator)
    detail = client.get(f"/ops/orders/{order.number}/").content.decode()
    assert f"return-approve-{after_sale.pk}" in detail
    assert "<script>alert(1)</script>" not in detail  # escaped
    client.post(f"/ops/orders/{order.number}/return-approve/", {"after_sale": after_sale.pk})
    run_events()
    after_sale.refresh_from_db()
    assert after_sale.state == AfterSale.State.REFUNDED

    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "已退款" in page


def test_buyer_cannot_open_someone_elses_return_page(client, operator):
    owner, other = make_buyer(), make_buyer()
    sku = make_sku(price="10.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(owner, sku)
    client.force_login(other)
    assert client.get(f"/orders/{order.number}/return/").status_code == 404
