"""Error codes of the quota ledger."""

from __future__ import annotations

from shequn.core.errors import CodedError


class QuotaError(CodedError):
    OVER_ANNUAL_LIMIT = ("over_annual_limit", "超过跨境电商年度交易限值（26000 元）",
                         "Over the CBEC annual limit (26,000 CNY)", 422)
