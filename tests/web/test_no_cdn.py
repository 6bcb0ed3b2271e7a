"""Nothing downloads at run time: no page loads a script, style or font from
another host."""

from __future__ import annotations

import re

import pytest

from shequn.demo import seeding as demo

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', re.I)


def test_pages_load_assets_only_from_this_server(client):
    data = demo.seed()
    pages = ["/s/xiaolin/", f"/s/xiaolin/p/{data.shop.listings.first().product_id}/",
             "/login/", "/cart/", "/api/docs"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not EXTERNAL.search(html), f"{url} loads an asset from another host"
