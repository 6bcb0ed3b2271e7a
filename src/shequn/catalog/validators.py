"""Pure checks for catalog codes and the fields a brand enters (no database).

GTIN: python-stdnum's ``ean`` module checks GTIN-8/12/13/14 lengths and the
mod-10 check digit. HS code: China's 10-digit commodity code (gcode on the CEB
messages); its first 8 digits are the tariff line the positive list names.
Units and origin countries: the customs JGS-20 code lists (data/jgs20_*.json).
Each check returns the cleaned value or raises the CatalogError naming the value.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from shequn.catalog.errors import CatalogError

_DATA = Path(__file__).resolve().parent / "data"

# China's VAT rates on imported goods (增值税): 13 % standard, 9 % (food staples,
# books, agricultural goods), 6 % and 0 are the only rates an item may carry.
VAT_RATES = (Decimal("0.13"), Decimal("0.09"), Decimal("0.06"), Decimal("0"))
CONSUMPTION_TAX_RULES = ("none", "always", "high_end_cosmetics")
CONTENT_UNITS = ("ml", "g", "piece")


@cache
def unit_codes() -> dict[str, str]:
    """JGS-20 unit code → Chinese name."""
    return dict(json.loads((_DATA / "jgs20_units.json").read_text("utf-8"))["units"])


@cache
def country_codes() -> dict[str, str]:
    """JGS-20 country code → Chinese name."""
    return dict(json.loads((_DATA / "jgs20_countries.json").read_text("utf-8"))["countries"])


def validate_gtin(code: str) -> str:
    """Return the GTIN without spaces/dashes, or raise ``invalid_gtin``."""
    try:
        return ean.validate(code)
    except StdnumError as exc:
        raise CatalogError.INVALID_GTIN.error(gtin=code, reason=str(exc)) from exc


def gtin_spellings(gtin: str) -> set[str]:
    """The ways the catalog may hold this GTIN: as GTIN-8, -12, -13 or -14
    (the same number with fewer leading zeros)."""
    short = gtin.lstrip("0")
    return {short.zfill(n) for n in (8, 12, 13, 14) if len(short) <= n}


def validate_hs_code(code: str) -> str:
    """Return the 10-digit HS code (whitespace and dots removed), or raise."""
    cleaned = "".join(ch for ch in str(code) if ch not in " .")
    if len(cleaned) != 10 or not cleaned.isascii() or not cleaned.isdigit():
        raise CatalogError.INVALID_HS_CODE.error(hs_code=code)
    return cleaned


def tariff_line(hs_code: str) -> str:
    """The 8-digit tariff line of a 10-digit HS code."""
    return validate_hs_code(hs_code)[:8]


def validate_unit(code: object) -> str:
    """A JGS-20 unit code ("11" is read as "011"), or ``invalid_unit``."""
    text = str(code if code is not None else "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 3:
        text = text.zfill(3)
    if text not in unit_codes():
        raise CatalogError.INVALID_UNIT.error(unit=code)
    return text


def validate_country(code: object) -> str:
    """A JGS-20 country code, or ``invalid_country``."""
    text = str(code if code is not None else "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 3:
        text = text.zfill(3)
    if text not in country_codes():
        raise CatalogError.INVALID_COUNTRY.error(country=code)
    return text


def parse_decimal(value: object, field: str = "") -> Decimal:
    """A finite decimal from text or a number, or ``invalid_number``."""
    if isinstance(value, bool) or value is None:
        raise CatalogError.INVALID_NUMBER.error(field=field, value=value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise CatalogError.INVALID_NUMBER.error(field=field, value=value) from None
    if not number.is_finite():
        raise CatalogError.INVALID_NUMBER.error(field=field, value=value)
    return number


def validate_rate(value: object, field: str = "rate") -> Decimal:
    """A fraction 0 ≤ r < 1 with at most 4 places (0.13, not 13)."""
    rate = parse_decimal(value, field)
    if rate < 0 or rate >= 1 or rate != rate.quantize(Decimal("0.0001")):
        raise CatalogError.INVALID_RATE.error(field=field, value=value)
    return rate.quantize(Decimal("0.0001"))


def validate_vat_rate(value: object) -> Decimal:
    rate = parse_decimal(value, "vat_rate")
    if rate not in VAT_RATES:
        raise CatalogError.INVALID_VAT_RATE.error(vat_rate=value)
    return rate.quantize(Decimal("0.0001"))


def validate_consumption_tax(rate: object, rule: object) -> tuple[Decimal, str]:
    """The consumption-tax rate and rule agree: "none" with rate 0; "always" or
    "high_end_cosmetics" with a rate 0 < r < 1 (15 % for high-end cosmetics)."""
    rule_text = str(rule or "none").strip()
    if rule_text not in CONSUMPTION_TAX_RULES:
        raise CatalogError.INVALID_CONSUMPTION_TAX.error(rule=rule)
    try:
        value = validate_rate(rate if rate not in (None, "") else "0", "consumption_tax_rate")
    except Exception as exc:
        raise CatalogError.INVALID_CONSUMPTION_TAX.error(rate=rate, rule=rule) from exc
    if (rule_text == "none") != (value == 0):
        raise CatalogError.INVALID_CONSUMPTION_TAX.error(rate=rate, rule=rule)
    return value, rule_text


def validate_net_content(value: object, unit: object) -> tuple[Decimal, str]:
    try:
        amount = parse_decimal(value, "net_content")
    except Exception:
        raise CatalogError.INVALID_NET_CONTENT.error(net_content=value) from None
    unit_text = str(unit or "").strip()
    if (amount <= 0 or unit_text not in CONTENT_UNITS
            or amount != amount.quantize(Decimal("0.001")) or amount >= 10**7):
        raise CatalogError.INVALID_NET_CONTENT.error(net_content=value, unit=unit)
    return amount, unit_text


def _weight(value: object) -> Decimal:
    try:
        kg = parse_decimal(value, "weight")
    except Exception:
        raise CatalogError.INVALID_WEIGHT.error(weight=value) from None
    if kg <= 0 or kg >= 10**5 or kg != kg.quantize(Decimal("0.00001")):
        raise CatalogError.INVALID_WEIGHT.error(weight=value)
    return kg


def validate_weights(net: object, gross: object) -> tuple[Decimal, Decimal]:
    """Net and gross weight in kg: both > 0 and gross ≥ net."""
    net_kg, gross_kg = _weight(net), _weight(gross)
    if gross_kg < net_kg:
        raise CatalogError.INVALID_WEIGHT.error(net=net, gross=gross)
    return net_kg, gross_kg


def validate_legal_qty(value: object) -> Decimal:
    try:
        qty = parse_decimal(value, "legal_qty")
    except Exception:
        raise CatalogError.INVALID_QUANTITY.error(qty=value) from None
    if qty <= 0 or qty >= 10**7 or qty != qty.quantize(Decimal("0.00001")):
        raise CatalogError.INVALID_QUANTITY.error(qty=value)
    return qty


def validate_bonded_only(bonded_only: bool, line_bonded_only: bool) -> bool:
    """A tariff line the positive list allows through bonded import only needs the
    item marked bonded only (so it is never offered by direct mail)."""
    if line_bonded_only and not bonded_only:
        raise CatalogError.BONDED_ONLY_REQUIRED.error()
    return bonded_only
