"""Odd input on the buyer's store pages answers with a coded error, never a 500."""

from __future__ import annotations

import pytest

from tests.builders import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_client(client):
    client.force_login(make_user())
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("path", ["/orders/\x00/", "/orders/A\x00B/return/"])
def test_order_number_with_nul_is_not_found(buyer_client, path):
    # PostgreSQL refuses NUL in a query parameter (a 500 before the fix).
    assert buyer_client.get(path).status_code == 404
    assert buyer_client.post("/orders/\x00/pay/").status_code == 404


@pytest.mark.parametrize("qty", ["²", "①", "1²"])
def test_unicode_digit_quantity_is_refused(buyer_client, qty):
    # str.isdigit() holds for "²", which int() refuses (a 500 before the fix).
    resp = buyer_client.post("/cart/add/", {"sku_id": "1", "qty": qty})
    assert resp.status_code == 422


@pytest.mark.parametrize("qty", ["²", "①", "1²"])
def test_unicode_digit_return_quantity_is_refused(client, qty):
    # The return form read quantities with str.isdigit() + int(): "²" was a 500.
    from django.contrib.auth.models import Group

    from shequn.orders import services
    from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

    buyer = make_buyer()
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(buyer, sku, qty=2)
    line = order.lines.get()
    client.force_login(buyer)
    client.raise_request_exception = False
    form = {f"line_{line.pk}": "1", f"qty_{line.pk}": qty, "reason_code": "quality"}
    # Not yet delivered: the form is read again (the line's row) before the refusal.
    assert client.post(f"/orders/{order.number}/return/", form).status_code == 409
    operator = make_user()
    operator.groups.add(Group.objects.get_or_create(name="operator")[0])
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)
    resp = client.post(f"/orders/{order.number}/return/", form)
    assert resp.status_code == 422 and 'data-code="bad_return_lines"' in resp.content.decode()
