"""One language per page (issue 9): what a page shows as interface text, and the
words in it that belong to the other language.

Visible text is every text node outside <script>, <style> and <template>, plus the
`title`, `placeholder`, `aria-label` and `alt` attributes. Anything inside an
element marked `translate="no"` is data (product, shop and people's names,
addresses, order numbers) and is skipped. An English page must show no CJK
character; a Chinese page no English word of three letters or more, except the
codes and names in ALLOWED_LATIN.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.test import Client

# Codes and names that stay Latin in Chinese text.
ALLOWED_LATIN = frozenset({
    "SKU", "GMV", "CNY", "CEB", "GTIN", "API", "UTC", "PDF", "CSV", "XLSX", "Shequn",
    # GS1 and supply-chain standards (SSCC carton codes, EPCIS events), and the
    # word Chinese privacy notices use for cookies.
    "SSCC", "EPCIS", "Cookie",
    # File formats and programs keep their names in Chinese text.
    "JPG", "JPEG", "PNG", "WebP", "GIF", "Excel", "SHA", "xlsx",
    # Field names of the customs messages, shown beside their Chinese names.
    "emsNo", "bondInvtNo", "itemNo", "gmodel",
})
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
HIDDEN_ELEMENTS = frozenset({"script", "style", "template"})
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                           "meta", "param", "source", "track", "wbr"})
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, text inside is skipped)

    def _skipping(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skipped = (self._skipping() or tag in HIDDEN_ELEMENTS
                   or (values.get("translate") or "").lower() == "no")
        if not skipped:
            self.texts.extend(v for k, v in attrs if k in SHOWN_ATTRIBUTES and v)
        if tag not in VOID_ELEMENTS:
            self._open.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_ELEMENTS:
            self.handle_starttag(tag, attrs)
        else:  # <x/>: opened and closed at once
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipping():
            self.texts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.texts


def chinese_in(html: str) -> list[str]:
    """Visible texts with a CJK character: wrong on an English page."""
    return [t for t in visible_text(html) if CJK.search(t)]


def english_in(html: str) -> list[str]:
    """English words of a Chinese page, outside the allowed codes, each with its text."""
    return [f"{word} (in {text[:60]!r})" for text in visible_text(html)
            for word in LATIN_WORD.findall(text) if word not in ALLOWED_LATIN]


def other_language(html: str, language: str) -> list[str]:
    """What a page in ``language`` ("zh-hans" or "en") shows of the other one."""
    return chinese_in(html) if language == "en" else english_in(html)


def page(client: Client, url: str, language: str) -> str:
    """The page at ``url`` as a browser asking for ``language`` gets it."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers.get("Content-Language") == language, url
    return response.content.decode()


def assert_one_language(html: str, language: str, where: str = "") -> None:
    found = other_language(html, language)
    assert not found, f"{where or 'page'} in {language} shows the other language: {found[:15]}"


def poster_lines(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Every line of text the poster module draws from now on, in order."""
    from shequn.distribution import posters

    drawn: list[str] = []
    real_text = posters._text

    def record(draw, xy, text, size, color):  # type: ignore[no-untyped-def]
        drawn.append(text)
        return real_text(draw, xy, text, size, color)

    monkeypatch.setattr(posters, "_text", record)
    return drawn
