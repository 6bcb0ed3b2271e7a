"""The ops binding search keeps full phone numbers out of URLs (access logs,
history, Referer): the search is POSTed; a GET never searches by phone."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.demo import seeding as demo

pytestmark = pytest.mark.django_db


def test_binding_search_posts_the_phone_and_get_ignores_it():
    data = demo.seed()
    c = Client()
    c.force_login(data.operator)
    page = c.get("/ops/bindings/").content.decode()
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    got = c.get("/ops/bindings/", {"phone": "13900000001"}).content.decode()
    assert 'data-testid="bindings"' not in got  # not searched
    posted = c.post("/ops/bindings/", {"phone": "13900000001"})
    assert posted.status_code == 200 and 'data-testid="bindings"' in posted.content.decode()
    assert "13900000001" not in posted.content.decode()
