"""One language at a time (issue 9): Chinese by default, English when the browser
asks for it or the footer switch chose it, and each page in one language only
(tests/web/language.py says what counts).

Each console's pages are checked in both languages by a test of its own below."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.language import assert_one_language, page

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")


def test_chinese_is_the_default_and_english_follows_accept_language() -> None:
    client = Client()
    chinese = client.get(reverse("account:login"))
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in chinese.content.decode()
    english = client.get(reverse("account:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english.headers["Content-Language"] == "en"
    assert '<html lang="en">' in english.content.decode()


def test_the_footer_switch_is_remembered_in_a_cookie() -> None:
    client = Client()
    html = client.get(reverse("account:login")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en"' in html

    response = client.post(reverse("set_language"),
                           {"language": "en", "next": reverse("account:login")})
    assert response.status_code == 302 and response.url == reverse("account:login")
    assert client.cookies["django_language"].value == "en"
    assert client.cookies["django_language"]["max-age"] > 30 * 24 * 3600
    # The cookie wins over the browser's Chinese.
    again = client.get(reverse("account:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert again.headers["Content-Language"] == "en"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_switch_names_each_language_in_its_own_language(language: str) -> None:
    html = page(Client(), reverse("account:login"), language)
    assert ">简体中文</button>" in html and ">English</button>" in html
    # The current language's button is the disabled one.
    current = "简体中文" if language == "zh-hans" else "English"
    assert f'aria-current="true" disabled>{current}</button>' in html
    footer = html[html.index('<footer class="page-footer">'):html.index("</footer>")]
    assert_one_language(footer, language, "the footer")
