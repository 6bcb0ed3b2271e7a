from __future__ import annotations

import pytest
from django.urls import reverse

from tests.builders import make_sku, make_stock, make_warehouse

pytestmark = pytest.mark.django_db


def test_admin_pages_load_and_ledger_is_read_only(admin_client):
    wh, sku = make_warehouse(), make_sku()
    stock = make_stock(wh, sku, 3)
    for model in ("catalog/organization", "catalog/positivelistline", "catalog/product",
                  "catalog/sku", "inventory/warehouse", "inventory/batch", "inventory/stock",
                  "inventory/reservation", "inventory/stockmove"):
        r = admin_client.get(f"/admin/{model}/")
        assert r.status_code == 200, model
    assert admin_client.get(reverse("admin:inventory_stockmove_add")).status_code == 403
    assert admin_client.get(reverse("admin:inventory_stock_add")).status_code == 403
    # Posting new counters to a stock row changes nothing: they are read-only fields.
    admin_client.post(reverse("admin:inventory_stock_change", args=[stock.pk]),
                      {"on_hand": 999, "reserved": 0})
    stock.refresh_from_db()
    assert stock.on_hand == 3
