"""Error codes of the tax engine (pure; no Django)."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class TaxError(CodedError):
    INVALID_INPUT = ("invalid_input", _("Invalid input"), 422)
    MALFORMED_JSON = ("malformed_json", _("Malformed JSON"), 422)
    MISSING_FIELD = ("missing_field", _("A required field is missing"), 422)
    INVALID_NUMBER = ("invalid_number", _("Not a valid decimal number"), 422)
    NEGATIVE_AMOUNT = ("negative_amount", _("Amounts must not be negative"), 422)
    INVALID_QTY = ("invalid_qty", _("Quantity must be a positive integer"), 422)
    INVALID_RATE = ("invalid_rate", _("Rates must be in [0, 1)"), 422)
    NO_LINES = ("no_lines", _("The order has no lines"), 422)
    TOO_MANY_LINES = ("too_many_lines", _("Too many lines (at most 99)"), 422)
    UNREADABLE_FILE = ("unreadable_file", _("Cannot read the input file"), 422)


class Refusal(CodedError):
    """Why a quote is refused. Not raised: a refused quote is a normal result whose
    ``code`` is one of these values; the messages are here for UIs."""

    OVER_SINGLE_LIMIT = ("over_single_limit", _("Over the CBEC single-transaction limit"), 422)
    OVER_ANNUAL_LIMIT = ("over_annual_limit", _("Over the CBEC annual limit"), 422)
