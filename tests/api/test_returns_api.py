"""Returns through the API: buyer asks, operator decides, money goes back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from shequn.orders import services
from shequn.orders.models import AfterSale, Order
from tests.builders import (
    make_buyer,
    make_sku,
    make_stock,
    make_warehouse,
    place_paid_order,
    run_events,
)

pytestmark = pytest.mark.django_db


def test_return_round_trip_through_the_api(client, django_user_model):
    operator = django_user_model.objects.create(username="op-api-returns")
    operator.groups.add(Group.objects.get_or_create(name="operator")[0])
    buyer = make_buyer()
    sku = make_sku(price="60.00")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(buyer, sku, qty=3)
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)

    client.force_login(buyer)
    url = f"/api/v1/orders/{order.number}/returns"
    bad = client.post(url, {"lines": [{"line": 1, "qty": 4}], "reason": "x"},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "bad_return_lines"
    made = client.post(url, {"lines": [{"line": 1, "qty": 2}], "reason": "破损"},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    # The buyer cannot decide their own request.
    refused = client.post(f"/api/v1/ops/orders/{order.number}/returns/{rid}",
                          {"approve": True}, content_type="application/json")
    assert refused.status_code == 403

    client.force_login(operator)
    done = client.post(f"/api/v1/ops/orders/{order.number}/returns/{rid}",
                       {"approve": True}, content_type="application/json")
    assert done.status_code == 200, done.content
    run_events()
    assert AfterSale.objects.get(pk=rid).state == AfterSale.State.REFUNDED
    assert Order.objects.get(pk=order.pk).refunded_total > 0
