"""Pure checks for catalog codes (no database).

GTIN: python-stdnum's ``ean`` module checks GTIN-8/12/13/14 lengths and the
mod-10 check digit. HS code: China's 10-digit commodity code (gcode on the CEB
messages); its first 8 digits are the tariff line the positive list names.
"""

from __future__ import annotations

from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from shequn.catalog.errors import CatalogError


def validate_gtin(code: str) -> str:
    """Return the GTIN without spaces/dashes, or raise ``invalid_gtin``."""
    try:
        return ean.validate(code)
    except StdnumError as exc:
        raise CatalogError.INVALID_GTIN.error(gtin=code, reason=str(exc)) from exc


def validate_hs_code(code: str) -> str:
    """Return the 10-digit HS code (whitespace and dots removed), or raise."""
    cleaned = "".join(ch for ch in str(code) if ch not in " .")
    if len(cleaned) != 10 or not cleaned.isascii() or not cleaned.isdigit():
        raise CatalogError.INVALID_HS_CODE.error(hs_code=code)
    return cleaned


def tariff_line(hs_code: str) -> str:
    """The 8-digit tariff line of a 10-digit HS code."""
    return validate_hs_code(hs_code)[:8]
