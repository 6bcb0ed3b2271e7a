"""Tags of the page frame (base.html), which every page renders: kept cheap."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@cache
def _languages(configured: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(code, name in its own language) per configured language."""
    return tuple((code, translation.get_language_info(code)["name_local"])
                 for code, _name in configured)


@lru_cache(maxsize=256)
def _asset(path: str) -> str:
    from django.templatetags.static import static

    return static(path)


def _forget_assets(setting: str, **kwargs: Any) -> None:
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS", "DEBUG"}:
        _asset.cache_clear()


setting_changed.connect(_forget_assets)


@register.simple_tag
def asset(path: str) -> str:
    """``{% static path %}``, looked up once per process: the frame links the
    same three files on every page, and the manifest storage's lookup and URL
    quoting cost about 15 µs each time (a few percent of the busiest page).
    The manifest does not change while a process runs (``collectstatic`` comes
    before the restart that deploys it)."""
    return _asset(path)


@lru_cache(maxsize=256)
def _fixed(name: str, prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def fixed_url(name: str) -> str:
    """``{% url name %}`` of a URL without arguments, reversed once per process
    (and script prefix and URLconf): Django's ``reverse`` walks the resolver
    every time, about 30 µs, several times on the busiest pages."""
    return _fixed(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@cache
def _buttons(current: str, configured: tuple[tuple[str, str], ...]) -> SafeString:
    return format_html_join(
        "", '<button type="submit" name="language" value="{0}" lang="{0}" translate="no"{1}>'
        "{2}</button>",
        ((code, SafeString(' aria-current="true" disabled') if code == current else "", name)
         for code, name in _languages(configured)))


@register.simple_tag(takes_context=True)
def language_switch(context: Any) -> SafeString:
    """The footer's language switch: one button per language, each named in its
    own language (so not translated); Django's ``set_language`` keeps the choice
    in a cookie and returns to this page, or to the page's ``language_next``
    (a check page: its address with the mark that counts no second check). A
    tag rather than an included template: on every page, the include cost
    about 0.1 ms (a few percent of the verify page)."""
    request = context.get("request")
    back = context.get("language_next") or (request.get_full_path() if request else "")
    buttons = _buttons(translation.get_language(), tuple(settings.LANGUAGES))
    return format_html(
        '<form class="lang-switch" aria-label="{}" action="{}" method="post">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
        '  <input type="hidden" name="next" value="{}">\n  {}\n</form>',
        gettext("Language"), fixed_url("set_language"), context.get("csrf_token", ""),
        back, buttons)
