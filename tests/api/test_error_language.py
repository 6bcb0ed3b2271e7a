"""An error's ``message`` is in the language the request asks for (Accept-Language,
or the language cookie of the footer switch); ``message_en`` is always English
(issue 9)."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.core.errors import CommonError
from shequn.taxes.errors import TaxError

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/products/99999999999999999999"


def _error(client: Client, **headers: str) -> dict:
    resp = client.get(URL, **headers)
    assert 400 <= resp.status_code < 500
    return resp.json()


def test_message_follows_accept_language_and_message_en_stays_english() -> None:
    chinese = _error(Client(), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    english = _error(Client(), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8")
    assert chinese["code"] == english["code"]
    assert chinese["message_en"] == english["message_en"] == english["message"]
    assert chinese["message"] != chinese["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["message"])
    assert all(ord(ch) < 0x3000 for ch in english["message"] + chinese["message_en"])


def test_chinese_is_the_default_and_the_cookie_wins() -> None:
    assert _error(Client())["message"] == _error(Client(), HTTP_ACCEPT_LANGUAGE="zh-hans")[
        "message"]
    client = Client()
    client.cookies["django_language"] = "en"
    body = _error(client, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert body["message"] == body["message_en"]


def test_the_message_is_translated_when_shown_not_when_raised() -> None:
    from django.utils import translation

    with translation.override("en"):
        err = CommonError.NOT_FOUND.error()
    with translation.override("zh-hans"):
        assert err.message == "找不到该资源"
        assert err.as_dict()["message_en"] == "Not found"
    with translation.override("en"):
        assert err.message == "Not found"


def test_every_coded_error_has_a_chinese_message() -> None:
    """Each enum's English message has a zh_Hans translation in the catalogue."""
    from django.utils import translation

    from shequn.core.errors import CodedError

    def members(cls: type[CodedError]) -> list[CodedError]:
        out = list(cls)
        for sub in cls.__subclasses__():
            out += members(sub)
        return out

    import shequn.api.customs
    import shequn.customs.ops  # noqa: F401
    assert TaxError.INVALID_INPUT  # loaded
    untranslated = []
    with translation.override("zh-hans"):
        for member in members(CodedError):
            if member.message == member.en:
                untranslated.append(f"{type(member).__name__}.{member.name}")
    assert not untranslated
