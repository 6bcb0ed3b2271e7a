"""Domain errors with a machine-readable code and messages in Chinese and English.

Each domain lists its codes in ``errors.py`` as a ``CodedError`` enum:

    class E(CodedError):
        UNKNOWN_SKU = ("unknown_sku", "商品不存在", "Unknown SKU", 404)

and raises ``E.UNKNOWN_SKU.error(sku="X")``. The API and the pages turn a
``DomainError`` into HTTP 4xx ``{"code", "message", "message_en"}``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class DomainError(Exception):
    def __init__(self, code: str, message: str, message_en: str, status: int = 422,
                 **detail: Any) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message = message
        self.message_en = message_en
        self.status = status
        self.detail = detail

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message,
                                "message_en": self.message_en}
        if self.detail:
            body["detail"] = {k: str(v) for k, v in self.detail.items()}
        return body


class CodedError(StrEnum):
    """An enum of error codes; each member carries (code, zh, en[, http status])."""

    zh: str
    en: str
    status: int

    def __new__(cls, code: str, zh: str, en: str, status: int = 422) -> CodedError:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.zh = zh
        obj.en = en
        obj.status = status
        return obj

    def error(self, **detail: Any) -> DomainError:
        return DomainError(self.value, self.zh, self.en, self.status, **detail)


class CommonError(CodedError):
    INVALID_INPUT = ("invalid_input", "输入内容无效", "Invalid input", 422)
    MALFORMED_JSON = ("malformed_json", "请求内容不是有效的 JSON", "Malformed JSON body", 400)
    NOT_FOUND = ("not_found", "找不到该资源", "Not found", 404)
    FORBIDDEN = ("forbidden", "无权访问", "Forbidden", 403)
    AUTH_REQUIRED = ("auth_required", "请先登录", "Sign-in required", 401)
    RATE_LIMITED = ("rate_limited", "操作过于频繁，请稍后再试", "Too many requests", 429)
