"""Path converters for the web url confs.

``<id:name>`` accepts a positive integer that fits a signed 64-bit column
(1 .. 2**63-1). Django's ``<int:...>`` accepts any digit string, and a value
beyond the column makes the database driver raise (a 500) instead of the page
answering "not found"; a converter's ValueError makes the pattern not match,
so the request falls through to a 404."""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[1-9][0-9]{0,18}"  # at most 19 digits; the exact bound is checked below

    def to_python(self, value: str) -> int:
        n = int(value)
        if n > MAX_ID:
            raise ValueError("id out of range")
        return n

    def to_url(self, value: int | str) -> str:
        n = int(value)
        if not 1 <= n <= MAX_ID:
            raise ValueError("id out of range")
        return str(n)


register_converter(IdConverter, "id")
