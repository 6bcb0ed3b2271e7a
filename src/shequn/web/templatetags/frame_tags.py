"""Tags of the page frame (base.html), which every page renders: kept cheap."""

from __future__ import annotations

from functools import cache
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
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
    current = translation.get_language()
    buttons = format_html_join(
        "", '<button type="submit" name="language" value="{0}" lang="{0}" translate="no"{1}>'
        "{2}</button>",
        ((code, SafeString(' aria-current="true" disabled') if code == current else "", name)
         for code, name in _languages(tuple(settings.LANGUAGES))))
    return format_html(
        '<form class="lang-switch" aria-label="{}" action="{}" method="post">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
        '  <input type="hidden" name="next" value="{}">\n  {}\n</form>',
        gettext("Language"), reverse("set_language"), context.get("csrf_token", ""),
        back, buttons)
