"""Error pages (404, 400, 403, 500) are in the page's language like every other
page: Django's built-in fallbacks are English only ("Not Found", "Server Error
(500)"), so a Chinese page that was not found used to be answered in English."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

from tests.web.language import CJK, assert_one_language

pytestmark = pytest.mark.django_db
LANGUAGES = ("zh-hans", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_not_found_speaks_the_page_language(language: str) -> None:
    response = Client().get("/orders/no-such-order-page/x/y/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert_one_language(html, language, "404")
    assert bool(CJK.search(html)) == (language == "zh-hans")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("view", "status"), [
    (lambda r: defaults.server_error(r), 500),
    (lambda r: defaults.bad_request(r, Exception("x")), 400),
    (lambda r: defaults.permission_denied(r, PermissionDenied()), 403),
])
def test_the_other_error_pages_speak_the_page_language(view, status: int, language: str) -> None:
    request = RequestFactory().get("/")
    with translation.override(language):
        response = view(request)
    assert response.status_code == status
    html = response.content.decode()
    assert_one_language(html, language, str(status))
    assert bool(CJK.search(html)) == (language == "zh-hans")
