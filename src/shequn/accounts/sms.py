"""SMS provider port and the simulator used by the demo, staging and the tests.

The simulator never writes the phone number in clear anywhere: messages are
kept in the cache under the phone's keyed lookup hash, and its inbox (the
staff page of staging, /sim/sms/) lists them with the phone masked. The cache is
Redis outside demo, so every web process sees the same inbox."""

from __future__ import annotations

import logging
import re
from typing import Protocol

from django.conf import settings
from django.core.cache import cache

from shequn.accounts.phones import normalize_phone
from shequn.core import clock, pii
from shequn.core.errors import DomainError

log = logging.getLogger(__name__)

_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_KEEP_SECONDS = 3600
_INBOX_KEY = "sms:sim:inbox"
_INBOX_SIZE = 50


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


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


_PROVIDERS: dict[str, type] = {"simulator": SimulatedSms}


def is_simulator() -> bool:
    return settings.SHEQUN.get("SMS_PROVIDER", "simulator") == "simulator"


def get_sender() -> SmsSender:
    name = settings.SHEQUN.get("SMS_PROVIDER", "simulator")
    try:
        return _PROVIDERS[name]()
    except KeyError:
        raise RuntimeError(f"unknown SMS provider {name!r}") from None
