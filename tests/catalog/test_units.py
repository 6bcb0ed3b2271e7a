"""Measurement unit names of the JGS-20 unit codes, in the page's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from shequn.catalog.units import UNITS, unit_choices, unit_name
from shequn.catalog.validators import unit_codes
from tests.web.language import CJK


def test_every_unit_code_has_a_name_in_each_language() -> None:
    assert set(UNITS) == set(unit_codes())
    with translation.override("en"):
        assert all(not CJK.search(unit_name(code)) for code in UNITS)
    with translation.override("zh-hans"):
        # The customs list's own names, word for word.
        assert {code: unit_name(code) for code in UNITS} == unit_codes()


def test_names_follow_the_active_language_and_are_their_own_words() -> None:
    with translation.override("en"):
        assert unit_name("035") == "kilogram" and dict(unit_choices())["011"] == "item"
        assert unit_name("121") == "lot"
    with translation.override("zh-hans"):
        # "lot" is 批 as a unit, whatever a lot (批号) is elsewhere on the pages.
        assert unit_name("121") == "批" and unit_name("035") == "千克"
    assert unit_name("") == "" and unit_name("999") == "999"


@pytest.mark.django_db
def test_the_sku_form_names_units_in_the_page_language(client) -> None:
    from tests.builders.catalog import make_product, make_sku
    from tests.builders.console import make_brand

    brand = make_brand()
    product = make_product(brand=brand.org)
    sku = make_sku(product=product)
    client.force_login(brand.staff)
    url = f"/brand/products/{product.pk}/skus/{sku.pk}/"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">035 kilogram</option>" in english and "千克" not in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">035 千克</option>" in chinese
