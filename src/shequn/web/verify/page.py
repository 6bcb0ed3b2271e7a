"""The check page rendered once per language and kind, filled in per check.

A check page differs from the next one in a few values only: the product's
name, the counts and their sentences, the lot card, the journey, the consent
form, the CSRF token and the address the language switch returns to. The rest
(the frame of ``base.html`` and the page's fixed text) is the same for every
check of a kind (which notice it shows, whether there are steps) in a
language, yet rendering it cost a fifth of the busiest public page's CPU (the
``{% extends %}`` alone walks the base template's nodes on every render). It is
rendered once per process and kind, with a slot for each value, and each check
fills the slots in one pass over the text (so a value is never read for slots).

Every value is escaped here as the template would have escaped it (the pieces
that are HTML already were built escaped: ``views._lot_card``, ``_steps_html``,
``consent_form``). A page with messages waiting for the person (after signing
in, say) is rendered in full, as is every page of the other kinds of views."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shequn.core import localcache

TEMPLATE = "verify/unit.html"
_frames = localcache.LocalCache(seconds=3600)
_SLOT = re.compile(r"<shequn-slot-([a-z_]+)>")
# The context's values that have a slot of their own (the product's name and
# the count are read from their objects).
SLOTTED = ("repeat_text", "checked_text", "first_at", "lot_card", "steps", "consent_form",
           "csrf_token", "language_next")


def _slot(name: str) -> SafeString:
    # A tag passed as safe: data cannot write one (its "<" is escaped).
    return mark_safe(f"<shequn-slot-{name}>")  # noqa: S308 (a constant)


def _has_messages(request: HttpRequest) -> bool:
    """Messages waiting for this browser (reading them does not mark them shown)."""
    return getattr(request, "_messages", None) is not None and len(get_messages(request)) > 0


def render_unit(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """``render(request, TEMPLATE, context)``, from this process's frame of the
    page's kind. ``context`` is the view's (views.unit)."""
    if _has_messages(request):
        return render(request, TEMPLATE, context)
    unit = context["unit"]
    # What the template tests: a value it tests ({% if steps %}) keeps its truth.
    kind = (translation.get_language(), get_script_prefix(), bool(context["staff_look"]),
            unit.state if context["withdrawn"] else "", bool(context["repeat"]),
            *(bool(context[name]) for name in SLOTTED))
    frame = _frames.get(kind)
    if frame is localcache.MISSING:
        frame = render_to_string(TEMPLATE, context | {
            "product": SimpleNamespace(display_name=_slot("title")),
            "unit": SimpleNamespace(state=unit.state),
            "scan": SimpleNamespace(count=_slot("count")),
            **{name: _slot(name) if context[name] else context[name] for name in SLOTTED}},
                                  request=request)
        _frames.set(kind, frame)
    values = {
        "title": escape(context["product"].display_name),
        "count": str(int(context["scan"].count)),
        "repeat_text": escape(context["repeat_text"]),
        "checked_text": escape(context["checked_text"]),
        "first_at": escape(context["first_at"]),
        "csrf_token": escape(context["csrf_token"]),
        "language_next": escape(context["language_next"]),
        # HTML already, every value in it escaped where it was built.
        "lot_card": str(context["lot_card"]),
        "steps": str(context["steps"]),
        "consent_form": str(context["consent_form"]),
    }
    return HttpResponse(_SLOT.sub(lambda m: values[m.group(1)], frame))


def _forget(**kwargs: Any) -> None:
    _frames.clear()  # a test's changed setting (the environment banner, static files)


setting_changed.connect(_forget)
