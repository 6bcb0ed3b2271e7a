"""Codes of refusals made at the API's edge (before any domain code runs)."""

from __future__ import annotations

from shequn.core.errors import CodedError


class ApiError(CodedError):
    BAD_REQUEST = ("bad_request", "请求格式错误", "Malformed request", 400)
    NOT_FOUND = ("not_found", "找不到该资源", "Not found", 404)
    METHOD_NOT_ALLOWED = ("method_not_allowed", "不支持该请求方法", "Method not allowed", 405)
    TOO_LARGE = ("body_too_large", "请求内容过大", "Request body too large", 413)
    UNSUPPORTED_MEDIA = ("unsupported_media_type", "请以 JSON 格式提交",
                         "Send the body as application/json", 415)
    BAD_AMOUNT = ("bad_amount", "金额格式不正确（最多两位小数）",
                  "Amount must be a decimal with at most 2 places", 422)
    BAD_CHARACTERS = ("invalid_characters", "请求中含有无法保存的字符",
                      "The request holds characters that cannot be stored", 400)
