"""JSON in and out for the tax quote (shared by ``shequn tax quote`` and the API).

Numbers are read exactly: JSON numbers with a fraction are parsed straight to Decimal
(``parse_float=Decimal``), never through a binary float.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from shequn.taxes.engine import MAX_LINES, LineInput, Quote, QuoteInput, q2, quote
from shequn.taxes.errors import TaxError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def loads(raw: str | bytes) -> Any:
    """Parse JSON text; fractional numbers become Decimal; NaN/Infinity are refused."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise TaxError.MALFORMED_JSON.error(reason=str(exc)[:200]) from exc
    except RecursionError:  # nested deeper than the interpreter's recursion limit
        raise TaxError.MALFORMED_JSON.error(reason="nested too deep") from None


def _decimal(raw: object, field: str) -> Decimal:
    """A number given as a JSON string, integer or (exactly parsed) JSON number."""
    if isinstance(raw, bool):
        raise TaxError.INVALID_NUMBER.error(field=field)
    if isinstance(raw, Decimal | int):
        value = Decimal(raw)
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise TaxError.INVALID_NUMBER.error(field=field) from None
    else:
        raise TaxError.INVALID_NUMBER.error(field=field)
    if not value.is_finite():
        raise TaxError.INVALID_NUMBER.error(field=field)
    return value


def _optional(obj: dict, key: str, field: str) -> Decimal:
    raw = obj.get(key)
    return Decimal(0) if raw is None else _decimal(raw, field)


def _required(obj: dict, key: str, field: str) -> Any:
    if obj.get(key) is None:
        raise TaxError.MISSING_FIELD.error(field=field)
    return obj[key]


def parse_quote_input(data: Any) -> QuoteInput:
    """Build a QuoteInput from decoded JSON. Unknown keys are ignored. Range checks
    (negative amounts, rates outside [0, 1), qty) are the engine's, so a direct caller
    of ``quote`` gets the same errors."""
    if not isinstance(data, dict):
        raise TaxError.INVALID_INPUT.error(field="$")
    raw_lines = _required(data, "lines", "lines")
    if not isinstance(raw_lines, list):
        raise TaxError.INVALID_INPUT.error(field="lines")
    if not raw_lines:
        raise TaxError.NO_LINES.error()
    if len(raw_lines) > MAX_LINES:
        raise TaxError.TOO_MANY_LINES.error(count=len(raw_lines))
    lines = []
    for i, item in enumerate(raw_lines):
        where = f"lines[{i}]"
        if not isinstance(item, dict):
            raise TaxError.INVALID_INPUT.error(field=where)
        name = _required(item, "name", f"{where}.name")
        if not isinstance(name, str) or not name.strip():
            raise TaxError.INVALID_INPUT.error(field=f"{where}.name")
        qty = _required(item, "qty", f"{where}.qty")
        # Only a JSON integer is a quantity; 2.0, "2" and true are not.
        if isinstance(qty, bool) or not isinstance(qty, int):
            raise TaxError.INVALID_QTY.error(field=f"{where}.qty")
        lines.append(LineInput(
            name=name,
            qty=qty,
            unit_price=_decimal(_required(item, "unit_price", f"{where}.unit_price"),
                                f"{where}.unit_price"),
            vat_rate=_decimal(_required(item, "vat_rate", f"{where}.vat_rate"),
                              f"{where}.vat_rate"),
            consumption_tax_rate=_optional(item, "consumption_tax_rate",
                                           f"{where}.consumption_tax_rate"),
            tariff_rate=_optional(item, "tariff_rate", f"{where}.tariff_rate"),
        ))
    inclusive = data.get("price_includes_tax", False)
    if inclusive is None:
        inclusive = False
    if not isinstance(inclusive, bool):
        raise TaxError.INVALID_INPUT.error(field="price_includes_tax")
    return QuoteInput(
        lines=tuple(lines),
        freight=_optional(data, "freight", "freight"),
        insurance=_optional(data, "insurance", "insurance"),
        annual_used=_optional(data, "annual_used", "annual_used"),
        price_includes_tax=inclusive,
    )


def _m(value: Decimal) -> str:
    return f"{q2(value):.2f}"


def quote_to_dict(q: Quote, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Serialise a Quote; ``names`` are the line names in input order."""
    return {
        "regime": q.regime,
        "code": q.code,
        "goods_value": _m(q.goods_value),
        "freight": _m(q.freight),
        "insurance": _m(q.insurance),
        "taxable_total": _m(q.taxable_total),
        "duty": _m(q.duty),
        "consumption_tax": _m(q.consumption_tax),
        "vat": _m(q.vat),
        "tax_total": _m(q.tax_total),
        "lines": [
            {
                "name": name,
                "goods_value": _m(ln.goods_value),
                "freight_share": _m(ln.freight_share),
                "insurance_share": _m(ln.insurance_share),
                "taxable_price": _m(ln.taxable_price),
                "duty": _m(ln.duty),
                "consumption_tax": _m(ln.consumption_tax),
                "vat": _m(ln.vat),
                "tax": _m(ln.tax),
            }
            for name, ln in zip(names, q.lines, strict=True)
        ],
    }


def quote_json(raw: str | bytes) -> dict[str, Any]:
    """Raw JSON request text → quote response dict. Raises DomainError."""
    inp = parse_quote_input(loads(raw))
    return quote_to_dict(quote(inp), [ln.name for ln in inp.lines])
