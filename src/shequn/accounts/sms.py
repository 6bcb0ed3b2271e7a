"""SMS provider port and the simulator used by the demo and the tests.

The simulator never writes the phone number in clear anywhere: messages are
kept in the cache under the phone's keyed lookup hash."""

from __future__ import annotations

import logging
import re
from typing import Protocol

from django.conf import settings
from django.core.cache import cache

from shequn.core import pii

log = logging.getLogger(__name__)

_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_KEEP_SECONDS = 3600


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def _key(phone: str) -> str:
    from shequn.accounts.services import normalize_phone
    from shequn.core.errors import DomainError

    try:
        phone = normalize_phone(phone)  # "+86 139…" and "139…" are one inbox
    except DomainError:
        pass
    return "sms:sim:" + pii.lookup_hash(phone)


class SimulatedSms:
    """Keeps the last message per phone in the cache (demo page and tests read it)."""

    name = "simulator"

    def send(self, phone: str, text: str) -> None:
        cache.set(_key(phone), text, _KEEP_SECONDS)
        log.info("simulated SMS to %s", pii.mask_phone(phone))

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
