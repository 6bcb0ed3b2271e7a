"""The check page filled in from a cached frame (web/verify/page.py) is the page
the template renders, byte for byte, in every kind and language."""

from __future__ import annotations

import pytest
from django.shortcuts import render

from shequn.trace.models import UnitCode
from shequn.web.verify import page
from tests.builders.console import operator
from tests.builders.trace_verify import coded_units, link, write_journey

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(monkeypatch):
    """Each check page as served (from the frame) and as the template renders
    it with the same context."""
    pages: list[tuple[str, str]] = []
    served = page.render_unit

    def render_unit(request, context):
        framed = served(request, context).content.decode()
        pages.append((framed, render(request, page.TEMPLATE, context).content.decode()))
        return served(request, context)  # the second time from the frame, surely

    monkeypatch.setattr(page, "render_unit", render_unit)
    return pages


def _same(pages):
    assert pages, "no check page was served"
    for framed, rendered in pages:
        assert "<shequn-slot-" not in framed
        assert framed == rendered
    pages.clear()


def _switch(client, language):
    from django.urls import reverse

    assert client.post(reverse("set_language"),
                       {"language": language, "next": "/verify/"}).status_code == 302


def test_every_kind_of_check_page_is_the_templates_page(client, both):
    unit, bare = coded_units(2)
    product = unit.batch.sku.product
    # Values a template escapes: the frame must escape them the same way.
    product.name, product.name_en = '樱花 <b>"精华"</b> & 液', "Serum <i>'30'</i> & co"
    product.save()
    write_journey(unit)
    for language in ("zh-hans", "en"):
        _switch(client, language)
        client.get(link(unit))  # first or repeated
        client.get(link(unit))  # repeated
        client.get(link(bare))  # no steps
        _same(both)
    client.force_login(operator())
    client.get(link(unit) + "?staff=1")  # an operator's look
    _same(both)
    for state in (UnitCode.State.RECALLED, UnitCode.State.DESTROYED):
        UnitCode.objects.filter(pk=unit.pk).update(state=state)
        html = client.get(link(unit)).content.decode()
        assert 'data-testid="withdrawn"' in html
        _same(both)


def test_the_frame_holds_no_values_of_the_check_it_was_made_for(client):
    a, b = coded_units(2)
    write_journey(a, waybill="SF5555000011112")
    client.get(link(a))
    first = client.get(link(a)).content.decode()  # the repeat kind's frame is made here
    assert 'data-count="2"' in first and a.serial in first
    client.cookies.clear()
    other = client.get(link(b)).content.decode()
    assert a.serial not in other and "1112" not in other and b.serial in other
    write_journey(b, waybill="SF7777000099990")
    again = client.get(link(b)).content.decode()
    assert 'data-count="2"' in again and "9990" in again and "1112" not in again


def test_a_page_with_a_message_waiting_is_rendered_in_full(client, monkeypatch):
    from django.contrib import messages

    from shequn.web.verify import views

    unit = coded_units(1)[0]
    client.get(link(unit))  # the frame of the kind exists
    allowed = views._allowed

    def with_message(request, what, per_minute):
        messages.info(request, "Welcome back")
        return allowed(request, what, per_minute)

    monkeypatch.setattr(views, "_allowed", with_message)
    html = client.get(link(unit)).content.decode()
    assert "Welcome back" in html and 'data-testid="repeat-warning"' in html
