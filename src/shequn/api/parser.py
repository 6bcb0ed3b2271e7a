"""The API's JSON body parser.

Stricter than ``json.loads``: numbers with a fraction or exponent become
``Decimal`` (never a binary float, and ``1e9999`` does not become infinity),
``NaN``/``Infinity`` are refused, and so are strings the database cannot
store (NUL characters, lone surrogates). ninja turns a refusal here into a
400 ``malformed_json`` (api.root)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


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
    if depth > 32:
        raise ValueError("JSON nested too deeply")
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
        data = json.loads(request.body, parse_float=Decimal, parse_constant=_no_constant)
        _check(data)
        return data
