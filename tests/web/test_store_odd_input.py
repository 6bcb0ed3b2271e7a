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
