"""Poster text wrapping: Latin text breaks at spaces, Chinese between characters,
mixed text at either, and a line never starts with closing punctuation."""

from __future__ import annotations

import math

import pytest
from PIL import Image, ImageDraw

from shequn.distribution import posters

SIZE = 30


@pytest.fixture
def draw() -> ImageDraw.ImageDraw:
    return ImageDraw.Draw(Image.new("RGB", (10, 10)))


def _width(draw: ImageDraw.ImageDraw, text: str) -> float:
    return draw.textlength(text, font=posters._font(SIZE))


def test_english_breaks_between_words(draw: ImageDraw.ImageDraw) -> None:
    text = "Long-press the QR code to visit the shop"
    width = math.ceil(_width(draw, "Long-press the QR code to vi"))  # where the old cut fell
    lines = posters._wrap(draw, text, SIZE, width, 2)
    assert lines == ["Long-press the QR code to", "visit the shop"]
    intro = "I use myself what I sell here, and answer every question in person"
    width = math.ceil(_width(draw, "I use myself"))
    lines = posters._wrap(draw, intro, SIZE, width, 20)
    assert " ".join(lines) == intro
    assert all(_width(draw, line) <= width for line in lines)


def test_chinese_breaks_between_characters(draw: ImageDraw.ImageDraw) -> None:
    text = "长按识别二维码进店选购正品保税好物"
    width = math.ceil(_width(draw, "长按识别二维码"))
    lines = posters._wrap(draw, text, SIZE, width, 5)
    assert lines == ["长按识别二维码", "进店选购正品保", "税好物"]


def test_mixed_text_keeps_latin_words_whole(draw: ImageDraw.ImageDraw) -> None:
    text = "我自己也在用Koala Dairy奶粉，宝宝很喜欢。Every order ships from Ningbo"
    width = math.ceil(_width(draw, "我自己也在用Koa"))
    lines = posters._wrap(draw, text, SIZE, width, 20)
    words = {"Koala", "Dairy", "Every", "order", "ships", "from", "Ningbo"}
    for line in lines:
        assert _width(draw, line) <= width
        assert not line.startswith(("，", "。"))
        for token in line.replace("，", " ").replace("。", " ").split():
            latin = "".join(ch for ch in token if ch.isascii())
            assert not latin or latin in words, (latin, lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_cut_text_ends_in_an_ellipsis_within_the_width(draw: ImageDraw.ImageDraw) -> None:
    text = "Genuine bonded goods straight from the brands, cleared by customs"
    width = math.ceil(_width(draw, "Genuine bonded goods"))
    lines = posters._wrap(draw, text, SIZE, width, 2)
    assert len(lines) == 2 and lines[0] == "Genuine bonded goods"
    assert lines[1].endswith("…") and _width(draw, lines[1]) <= width
    assert lines[1][:-1].rstrip() in text


def test_a_word_wider_than_the_line_is_cut(draw: ImageDraw.ImageDraw) -> None:
    word = "https://shequn.example/s/a-very-long-shop-name"
    width = math.ceil(_width(draw, word) / 3)
    lines = posters._wrap(draw, f"See {word}", SIZE, width, 10)
    assert lines[0] == "See"
    assert "".join(lines[1:]) == word
    assert all(_width(draw, line) <= width for line in lines)
