"""SMS provider port and the simulator used by the demo, staging and the tests.

The simulator never writes the phone number in clear anywhere: messages are
kept in the cache under the phone's keyed lookup hash, and its inbox (the
staff page of staging, /sim/sms/) lists them with the phone masked. The cache is
Redis outside demo, so every web process sees the same inbox."""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from shequn.accounts.phones import normalize_phone
from shequn.core import clock, pii
from shequn.core.errors import DomainError

log = logging.getLogger(__name__)

_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_KEEP_SECONDS = 3600
_INBOX_KEY = "sms:sim:inbox"
_INBOX_SIZE = 50


# What ``send_code`` answers: the provider accepted the message, or the call
# timed out and the message may still arrive (the UI says it may be late; the
# request is not retried, a retry could send a second code).
SENT = "sent"
DELAYED = "delayed"


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` as it is (the simulator; providers that allow free text)."""
        ...

    def send_code(self, phone: str, code: str, minutes: int, *, ref: str) -> str:
        """Send the sign-in ``code`` valid for ``minutes`` (by template where the
        provider has them); ``ref`` identifies this request (de-duplication, the
        provider's OutId). Answers SENT or DELAYED, raises a DomainError (SmsError)
        when the message is refused."""
        ...


def code_text(code: str, minutes: int) -> str:
    """The sign-in message as the simulator shows it (and as the template reads)."""
    return f"【社群】您的登录验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。"


def send_code(sender: Any, phone: str, code: str, minutes: int, *, ref: str) -> str:
    """``sender.send_code``, or its text ``send`` for a sender that has only that
    (adapters and test doubles written before ``send_code``)."""
    by_code = getattr(sender, "send_code", None)
    if by_code is None:
        sender.send(phone, code_text(code, minutes))
        return SENT
    return str(by_code(phone, code, minutes, ref=ref))


def _key(phone: str) -> str:
    try:
        phone = normalize_phone(phone)  # "+86 139…" and "139…" are one inbox
    except DomainError:
        pass
    return "sms:sim:" + pii.lookup_hash(phone)


class SimulatedSms:
    """Keeps the last message per phone in the cache (demo page and tests read it)."""

    name = "simulator"

    def send(self, phone: str, text: str) -> None:
        key = _key(phone)
        cache.set(key, text, _KEEP_SECONDS)
        # The inbox is a capped list; a lost race between two sends drops one
        # line of the listing, never the per-phone message the lookup reads.
        entry = {"to": pii.mask_phone(phone), "key": key, "text": text,
                 "at": clock.now().isoformat()}
        inbox = cache.get(_INBOX_KEY) or []
        cache.set(_INBOX_KEY, [entry, *inbox][:_INBOX_SIZE], _KEEP_SECONDS)
        log.info("simulated SMS to %s", pii.mask_phone(phone))

    def send_code(self, phone: str, code: str, minutes: int, *, ref: str) -> str:
        self.send(phone, code_text(code, minutes))
        return SENT

    @staticmethod
    def inbox() -> list[dict[str, str]]:
        """The newest messages first, phones masked."""
        return list(cache.get(_INBOX_KEY) or [])

    @staticmethod
    def last_message(phone: str) -> str | None:
        return cache.get(_key(phone))

    @staticmethod
    def last_code(phone: str) -> str | None:
        text = SimulatedSms.last_message(phone)
        if not text:
            return None
        m = _CODE_RE.search(text)
        return m.group(1) if m else None


# A class, or its dotted path (imported when first chosen).
_PROVIDERS: dict[str, type | str] = {"simulator": SimulatedSms,
                                     "aliyun": "shequn.accounts.aliyun_sms.AliyunSms"}


def is_simulator() -> bool:
    return settings.SHEQUN.get("SMS_PROVIDER", "simulator") == "simulator"


def get_sender() -> SmsSender:
    name = settings.SHEQUN.get("SMS_PROVIDER", "simulator")
    try:
        provider = _PROVIDERS[name]
    except KeyError:
        raise RuntimeError(f"unknown SMS provider {name!r}") from None
    cls = import_string(provider) if isinstance(provider, str) else provider
    sender: SmsSender = cls()
    return sender
