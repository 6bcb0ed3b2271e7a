"""One language per page for a product's description and its options: the brand
enters the English description and option labels in the console; the store's
English product page shows them, its Chinese page the Chinese text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shequn.catalog.models import SKU, Product
from tests.builders import Net
from tests.builders.people import make_operator
from tests.builders.products import approved_product, brand_side, sku_data

pytestmark = pytest.mark.django_db

DESC, DESC_EN = "高档精华，滴管瓶装。", "A high-end serum in a dropper bottle."
GMODEL, LABEL_EN = "樱花美妆|精华液|30ml/瓶|护肤用", "30 ml bottle"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_product_form_saves_the_english_description() -> None:
    side = brand_side()
    brand = _client(side.staff)
    form = {"name": "页面商品", "description": DESC, "description_en": DESC_EN,
            "origin_country": "116", "seller": str(side.seller.pk), "sku_rows": "1",
            **{f"sku0-{k}": ("on" if v is True else v)
               for k, v in sku_data(label_en=LABEL_EN).items() if v is not False}}
    assert 'name="description_en"' in brand.get("/brand/products/new/").content.decode()
    assert brand.post("/brand/products/new/", form).status_code == 302
    product = Product.objects.get(brand=side.brand)
    assert (product.description, product.description_en) == (DESC, DESC_EN)
    assert product.skus.get().label_en == LABEL_EN
    page = f"/brand/products/{product.pk}/"
    assert brand.post(page, {"name": product.name, "description": DESC,
                             "description_en": "Edited", "origin_country": "116"}
                      ).status_code == 302
    product.refresh_from_db()
    assert product.description_en == "Edited"
    assert ">Edited</textarea>" in brand.get(page).content.decode()


def test_the_sku_form_saves_the_english_label_without_review() -> None:
    side = brand_side()
    product = approved_product(side, make_operator())
    sku = product.skus.get()
    brand = _client(side.staff)
    url = f"/brand/products/{product.pk}/skus/{sku.pk}/"
    assert 'name="label_en"' in brand.get(url).content.decode()
    form = {k: v for k, v in sku_data(code=sku.code, gtin=sku.gtin).items() if v is not False}
    form["label_en"] = LABEL_EN
    assert brand.post(url, form).status_code == 302
    sku.refresh_from_db()
    assert sku.label_en == LABEL_EN and not sku.change_requests.exists()
    assert LABEL_EN in brand.get(f"/brand/products/{product.pk}/").content.decode()


@pytest.fixture
def product_url() -> str:
    net = Net()
    Product.objects.filter(pk=net.sku.product_id).update(description=DESC,
                                                         description_en=DESC_EN)
    SKU.objects.filter(pk=net.sku.pk).update(gmodel=GMODEL, label_en=LABEL_EN)
    listing = net.listing(net.leader())
    return reverse("store:product", kwargs={"slug": listing.shop.slug,
                                            "product_id": net.sku.product_id})


def _page(url: str, language: str | None) -> str:
    client = Client()
    if language:
        client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_english_store_page_shows_the_english_description_and_option(product_url) -> None:
    html = _page(product_url, "en")
    assert f'data-testid="description">{DESC_EN}</p>' in html
    assert f'<span translate="no">{LABEL_EN}</span>' in html
    assert DESC not in html and "30ml/瓶" not in html


def test_the_chinese_store_page_shows_the_chinese_description_and_option(product_url) -> None:
    html = _page(product_url, None)
    assert f'data-testid="description">{DESC}</p>' in html
    assert '<span translate="no">30ml/瓶</span>' in html
    assert DESC_EN not in html and LABEL_EN not in html


def test_without_english_text_the_english_page_falls_back(product_url) -> None:
    Product.objects.update(description_en="")
    SKU.objects.update(label_en="", net_content=30, net_content_unit="ml")
    html = _page(product_url, "en")
    assert f'data-testid="description">{DESC}</p>' in html  # user content, no English form
    assert '<span translate="no">30 ml</span>' in html  # the net content reads the same


def test_the_option_name_in_each_language() -> None:
    from decimal import Decimal
    from types import SimpleNamespace

    from django.utils import translation

    from shequn.web.templatetags.store_tags import option_name

    def sku(label_en: str, unit: str = "ml"):  # type: ignore[no-untyped-def]
        return SimpleNamespace(gmodel=GMODEL, label_en=label_en, net_content=Decimal("30"),
                               net_content_unit=unit, code="X-1")

    with translation.override("en"):
        assert option_name(sku(LABEL_EN)) == LABEL_EN
        assert option_name(sku("  ")) == "30 ml"
        assert option_name(sku("", unit="piece")) == "30ml/瓶"  # nothing English to give
    with translation.override("zh-hans"):
        assert option_name(sku(LABEL_EN)) == "30ml/瓶"
