"""Buyers pick an option by a name they understand (``30ml/瓶``), not by the raw
customs ``gmodel`` declaration ("Sakura Beauty|精华液|30ml/瓶|护肤用"; issue 9)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client

from shequn.demo.seeding import seed
from shequn.shops.models import Listing
from shequn.web.templatetags.store_tags import option_name


def _sku(gmodel: str, content: str = "1", unit: str = "piece", code: str = "X-1"):  # type: ignore[no-untyped-def]
    return SimpleNamespace(gmodel=gmodel, net_content=Decimal(content), net_content_unit=unit,
                           code=code)


@pytest.mark.parametrize(("sku", "name"), [
    (_sku("Sakura Beauty|精华液|30ml/瓶|护肤用"), "30ml/瓶"),
    (_sku("Kiwi Honey|麦卢卡蜂蜜 UMF10+|500g/罐"), "500g/罐"),
    (_sku("一个品牌", content="30.000", unit="ml"), "30 ml"),
    (_sku("Brand|Name", content="900", unit="g"), "900 g"),
    (_sku("Brand|Name"), "Name"),
    (_sku(""), "X-1"),
])
def test_the_option_name(sku, name) -> None:  # type: ignore[no-untyped-def]
    assert option_name(sku) == name


@pytest.mark.django_db
def test_product_and_cart_show_the_option_name_not_the_declaration() -> None:
    data = seed()
    serum = data.skus["SB-SERUM-30"]
    assert serum.gmodel == "Sakura Beauty|精华液|30ml/瓶|护肤用"
    client = Client()
    product = client.get(f"/s/{data.shop.slug}/p/{serum.product_id}/").content.decode()
    assert ">30ml/瓶</span>" in product and "Sakura Beauty|" not in product
    listing = Listing.objects.get(shop=data.shop, product=serum.product)
    client.post("/cart/add/", {"sku_id": serum.pk, "qty": 1, "listing_id": listing.pk})
    cart = client.get("/cart/").content.decode()
    assert "30ml/瓶" in cart and "Sakura Beauty|" not in cart
