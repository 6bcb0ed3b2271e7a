"""Domain errors with a machine-readable code and a message.

Each domain lists its codes in ``errors.py`` as a ``CodedError`` enum, the message
in English, marked for the translation catalogues with ``_`` (``msgid`` below):

    from shequn.core.errors import CodedError, msgid as _

    class E(CodedError):
        UNKNOWN_SKU = ("unknown_sku", _("Unknown SKU"), 404)

and raises ``E.UNKNOWN_SKU.error(sku="X")``. The API and the pages turn a
``DomainError`` into HTTP 4xx ``{"code", "message", "message_en"}``: ``message`` in
the language of the request that shows it, ``message_en`` always English.

No Django here: the pure modules (taxes) use these too. Django's gettext is
installed by the core app at start-up (``use_translator``); without it (a pure
caller) messages stay English.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any


def msgid(text: str) -> str:
    """Mark ``text`` for the catalogues (imported as ``_`` so makemessages finds it);
    it is translated when shown, in the language of that moment."""
    return text


def _untranslated(text: str) -> str:
    return text


_translate: Callable[[str], str] = _untranslated


def use_translator(translate: Callable[[str], str]) -> None:
    """Install the function that translates messages (Django's gettext)."""
    global _translate
    _translate = translate


class DomainError(Exception):
    def __init__(self, code: str, message_en: str, status: int = 422, **detail: Any) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_en = message_en
        self.status = status
        self.detail = detail

    @property
    def message(self) -> str:
        """The message in the active language, looked up when it is shown (an error
        may be raised before the request's language is known)."""
        return _translate(self.message_en)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message,
                                "message_en": self.message_en}
        if self.detail:
            body["detail"] = {k: str(v) for k, v in self.detail.items()}
        return body


class CodedError(StrEnum):
    """An enum of error codes; each member carries (code, English message[, http status])."""

    en: str
    status: int

    def __new__(cls, code: str, en: str, status: int = 422) -> CodedError:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.en = en
        obj.status = status
        return obj

    @property
    def message(self) -> str:
        return _translate(self.en)

    def error(self, **detail: Any) -> DomainError:
        return DomainError(self.value, self.en, self.status, **detail)


_ = msgid


class CommonError(CodedError):
    INVALID_INPUT = ("invalid_input", _("Invalid input"), 422)
    MALFORMED_JSON = ("malformed_json", _("Malformed JSON body"), 400)
    NOT_FOUND = ("not_found", _("Not found"), 404)
    FORBIDDEN = ("forbidden", _("Forbidden"), 403)
    AUTH_REQUIRED = ("auth_required", _("Sign-in required"), 401)
    RATE_LIMITED = ("rate_limited", _("Too many requests"), 429)
    REASON_REQUIRED = ("reason_required", _("Please give a reason"), 422)
