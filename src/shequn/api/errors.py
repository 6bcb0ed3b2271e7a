"""Codes of refusals made at the API's edge (before any domain code runs)."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class ApiError(CodedError):
    BAD_REQUEST = ("bad_request", _("Malformed request"), 400)
    NOT_FOUND = ("not_found", _("Not found"), 404)
    METHOD_NOT_ALLOWED = ("method_not_allowed", _("Method not allowed"), 405)
    TOO_LARGE = ("body_too_large", _("Request body too large"), 413)
    UNSUPPORTED_MEDIA = ("unsupported_media_type", _("Send the body as application/json"), 415)
    BAD_AMOUNT = ("bad_amount", _("Amount must be a decimal with at most 2 places"), 422)
    BAD_CHARACTERS = ("invalid_characters",
                      _("The request holds characters that cannot be stored"), 400)
