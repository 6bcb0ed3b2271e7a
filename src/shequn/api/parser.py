"""The API's JSON body parser.

Stricter than ``json.loads``: numbers with a fraction or exponent become
``Decimal`` (never a binary float, and ``1e9999`` does not become infinity),
``NaN``/``Infinity`` are refused, and so are strings the database cannot
store (NUL characters, lone surrogates) and values nested more than
``MAX_DEPTH`` levels deep: no API body nests more than a few levels, and
``[[[[…`` a hundred thousand deep would otherwise stop ``json.loads`` with a
``RecursionError`` (at the interpreter's recursion limit, about a thousand).
ninja turns a refusal here (a ``ValueError``) into a 400 ``malformed_json``
(api.root)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

# A value may sit at most this many levels below the top-level one (a list in a
# list is one level down); deeper is refused as malformed.
MAX_DEPTH = 32


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def storable(s: str) -> bool:
    """False for text PostgreSQL (and UTF-8) cannot hold: NUL or a lone surrogate."""
    if "\x00" in s:
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if not storable(value):
            raise ValueError("string holds a NUL character or a lone surrogate")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, depth + 1)
            _check(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check(v, depth + 1)


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body, parse_float=Decimal, parse_constant=_no_constant)
        except RecursionError:
            # Refused as what it is, not left to ninja's catch-all (or a 500).
            raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
        _check(data)
        return data
