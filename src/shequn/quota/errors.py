"""Error codes of the quota ledger."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class QuotaError(CodedError):
    OVER_ANNUAL_LIMIT = ("over_annual_limit", _("Over the CBEC annual limit (26,000 CNY)"), 422)
