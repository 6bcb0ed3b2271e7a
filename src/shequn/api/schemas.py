"""Schemas and value types shared by several routers.

The types here bound what reaches the domain and the database, so a hostile
value is a 4xx with a code at the edge, not a driver error (a 500) deep down:

* ``Id``: a positive integer that fits a signed 64-bit column (path, query
  and body ids);
* ``SmallInt``: quantities, versions, pages, limits, offsets (32-bit);
* ``Money``: the one decimal type for amounts — a string (or integer) with at
  most 10 integer digits and 2 decimals; ``NaN``, ``Infinity``, exponents
  (``1e9999``) and binary floats are refused;
* ``Text<n>``: strings no longer than their column.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_ID = 2**63 - 1
INT32_MAX = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
SmallInt = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]

MONEY_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"
_MONEY_RE = re.compile(MONEY_PATTERN)


MONEY_ERROR = "bad_amount"  # the validation error type; api.root answers with this code


def _bad_amount() -> PydanticCustomError:
    return PydanticCustomError(MONEY_ERROR, "amount must be a decimal string with at most "
                                            "2 decimals, such as \"100.00\"")


def _money(value: Any) -> Decimal:
    # bool is an int and float is binary: neither is an amount.
    if isinstance(value, bool) or isinstance(value, float):
        raise _bad_amount()
    if isinstance(value, int | Decimal):
        value = str(value)
    if not isinstance(value, str) or not _MONEY_RE.match(value.strip()):
        raise _bad_amount()
    try:
        return Decimal(value.strip())
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise _bad_amount() from exc


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "format": "decimal",
                    "example": "100.00",
                    "description": "amount in CNY: a decimal string, at most 2 decimals"}),
]


# Strings no longer than the column they end in (a longer one is a driver error
# on PostgreSQL, not a refusal).
Text20 = Annotated[str, Field(max_length=20)]
Text40 = Annotated[str, Field(max_length=40)]
Text60 = Annotated[str, Field(max_length=60)]
Text200 = Annotated[str, Field(max_length=200)]
Text500 = Annotated[str, Field(max_length=500)]


class Error(Schema):
    code: str
    message: str
    message_en: str
    detail: dict[str, Any] | None = None


class ValidationErrorOut(Error):
    errors: list[dict[str, Any]] = []


class Ok(Schema):
    ok: bool = True
