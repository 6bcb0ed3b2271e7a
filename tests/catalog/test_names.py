"""catalog.names: the name a page shows in its language (no database)."""

from __future__ import annotations

import pytest
from django.utils import translation

from shequn.catalog import names
from shequn.catalog.models import Organization, Product


@pytest.mark.parametrize(("language", "name_en", "shown"), [
    ("en", "Radiance Serum", "Radiance Serum"),
    ("en", "", "焕亮精华液"),
    ("en", "   ", "焕亮精华液"),
    ("zh-hans", "Radiance Serum", "焕亮精华液"),
    ("zh-hans", "", "焕亮精华液"),
])
def test_english_name_on_english_pages_only(language: str, name_en: str, shown: str) -> None:
    with translation.override(language):
        assert names.shown("焕亮精华液", name_en) == shown
        assert Product(name="焕亮精华液", name_en=name_en).display_name == shown
        assert Organization(name="焕亮精华液", name_en=name_en).display_name == shown


def test_the_legal_name_does_not_change_with_the_language() -> None:
    with translation.override("en"):
        product = Product(name="焕亮精华液", name_en="Radiance Serum")
        assert product.name == str(product) == "焕亮精华液"
