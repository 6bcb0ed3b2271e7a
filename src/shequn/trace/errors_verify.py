"""Error codes of the verify page and the risk signals."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class VerifyError(CodedError):
    BAD_CODE = ("bad_code", _("This is not a valid product code"), 400)
    RATE_LIMITED = ("too_many_checks", _("Too many checks from here; try again in a minute"),
                    429)
    SIGNAL_NOT_FOUND = ("signal_not_found", _("Signal not found"), 404)
    SIGNAL_CLOSED = ("signal_closed", _("This signal is already closed"), 409)
    NOTE_REQUIRED = ("note_required", _("Say why the signal is dismissed"), 422)
    OPERATORS_DISMISS = ("signal_for_operators",
                         _("The platform's operators review and dismiss resale signals"), 403)
