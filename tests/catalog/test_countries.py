"""Country names of the JGS-20 origin codes, in the page's language."""

from __future__ import annotations

from django.utils import translation

from shequn.catalog.countries import COUNTRIES, country_choices, country_name
from shequn.catalog.validators import country_codes
from tests.web.language import CJK


def test_every_code_a_product_may_carry_has_an_english_name() -> None:
    assert set(COUNTRIES) == set(country_codes())
    assert all(name.strip() == name and not CJK.search(name) for name in COUNTRIES.values())


def test_names_follow_the_active_language() -> None:
    with translation.override("en"):
        assert country_name("307") == "Italy"
        assert country_name("601") == "Australia"
        assert dict(country_choices())["116"] == "Japan"
    with translation.override("zh-hans"):
        assert country_name("307") == "意大利"
        assert country_name("601") == "澳大利亚"
        assert dict(country_choices())["116"] == "日本"


def test_no_code_and_an_unknown_code() -> None:
    with translation.override("en"):
        assert country_name("") == "" and country_name(None) == ""
        assert country_name("999") == "999"
