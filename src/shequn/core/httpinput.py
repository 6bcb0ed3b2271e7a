"""Checks of what a request carries before any of it reaches the database."""

from __future__ import annotations

import unicodedata

from django.http import HttpRequest


def has_nul(request: HttpRequest) -> bool:
    """A NUL in the path or in a query parameter's name or value. PostgreSQL
    text cannot hold one, so a filter or lookup naming it raised DataError (a
    500); no id, code, number or search term has one."""
    if "\x00" in request.path_info:
        return True
    return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists())


def has_control(text: str, allow: str = "") -> bool:
    """A control character (NUL, BEL, …) other than those in ``allow`` (e.g. the
    line breaks of a multi-line field): no name, region or note has one, and a
    NUL cannot be stored in PostgreSQL text."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allow for ch in text)


def without_controls(text: str) -> str:
    """``text`` with its control characters other than line breaks and tabs dropped
    (free-text notes such as an operator's reason)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\n\r\t")


def whole_number(text: object, max_digits: int = 18) -> int | None:
    """``text`` as a whole number when it is ASCII digits only, at most
    ``max_digits`` of them (18 fit a bigint id), else None. ``str.isdigit()``
    also holds for "²", "①" and other scripts' digits, which ``int()`` refuses
    or reads as another number, and 30 digits overflow an id column: each a 500
    where an id or number was looked up."""
    value = str(text).strip() if text is not None else ""
    if value.isascii() and value.isdigit() and len(value) <= max_digits:
        return int(value)
    return None
