"""Error codes of the tax engine (pure; no Django)."""

from __future__ import annotations

from shequn.core.errors import CodedError


class TaxError(CodedError):
    INVALID_INPUT = ("invalid_input", "输入内容无效", "Invalid input", 422)
    MALFORMED_JSON = ("malformed_json", "请求内容不是有效的 JSON", "Malformed JSON", 422)
    MISSING_FIELD = ("missing_field", "缺少必填字段", "A required field is missing", 422)
    INVALID_NUMBER = ("invalid_number", "数字格式无效", "Not a valid decimal number", 422)
    NEGATIVE_AMOUNT = ("negative_amount", "金额不能为负数", "Amounts must not be negative", 422)
    INVALID_QTY = ("invalid_qty", "数量必须是正整数", "Quantity must be a positive integer", 422)
    INVALID_RATE = ("invalid_rate", "税率必须在 0 到 1 之间（不含 1）",
                    "Rates must be in [0, 1)", 422)
    NO_LINES = ("no_lines", "订单没有商品", "The order has no lines", 422)
    TOO_MANY_LINES = ("too_many_lines", "订单商品行过多（最多 99 行）",
                      "Too many lines (at most 99)", 422)
    UNREADABLE_FILE = ("unreadable_file", "无法读取输入文件", "Cannot read the input file", 422)


class Refusal(CodedError):
    """Why a quote is refused. Not raised: a refused quote is a normal result whose
    ``code`` is one of these values; the messages are here for UIs."""

    OVER_SINGLE_LIMIT = ("over_single_limit", "超过跨境电商单笔交易限值",
                         "Over the CBEC single-transaction limit", 422)
    OVER_ANNUAL_LIMIT = ("over_annual_limit", "超过跨境电商个人年度交易限值",
                         "Over the CBEC annual limit", 422)
