"""The frame's once-per-process lookups (web/templatetags/frame_tags.py) give
what Django's own tags give, and follow changed settings."""

from __future__ import annotations

from django.template import engines
from django.test import override_settings
from django.urls import reverse

from shequn.web.templatetags.frame_tags import asset, fixed_url


def _render(source: str) -> str:
    return engines["django"].from_string(source).render({})


def test_asset_is_static_and_follows_a_changed_static_url():
    assert asset("css/site.css") == _render("{% load static %}{% static 'css/site.css' %}")
    with override_settings(STATIC_URL="/assets-v2/"):
        assert asset("css/site.css") == "/assets-v2/css/site.css"
    assert asset("css/site.css") == _render("{% load static %}{% static 'css/site.css' %}")


def test_fixed_url_is_reverse_and_follows_the_script_prefix():
    from django.urls import set_script_prefix

    assert fixed_url("verify:consent") == reverse("verify:consent")
    set_script_prefix("/shop/")
    try:
        assert fixed_url("verify:consent") == reverse("verify:consent")
        assert fixed_url("verify:consent").startswith("/shop/")
    finally:
        set_script_prefix("/")
    assert fixed_url("verify:consent") == reverse("verify:consent")
