"""The payout-provider port (WeChat Pay 商家转账 / bank / Alipay in production)
and a simulator. Contract: ``pay`` is idempotent by ``request_id`` (the
withdrawal id, stable across retries, like WeChat's out_detail_no): asking
twice pays once and returns the first answer."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PayoutResult:
    ok: bool
    ref: str = ""
    error: str = ""


class PayoutProvider(Protocol):
    def pay(self, request_id: str, leader_id: int, amount: Decimal) -> PayoutResult: ...


class SimulatedPayout:
    """Plays the provider: answers once per request id and replays that answer.
    Tests make it refuse a request with ``fail(request_id, reason)``."""

    _lock = threading.Lock()
    _answers: dict[str, PayoutResult] = {}
    _failing: dict[str, str] = {}
    calls: list[str] = []

    def pay(self, request_id: str, leader_id: int, amount: Decimal) -> PayoutResult:
        with self._lock:
            type(self).calls.append(request_id)
            if request_id in self._answers:
                return self._answers[request_id]
            if request_id in self._failing:
                result = PayoutResult(ok=False, error=self._failing[request_id])
            elif amount <= 0:
                result = PayoutResult(ok=False, error="amount must be positive")
            else:
                digest = hashlib.sha256(request_id.encode()).hexdigest()[:24]
                result = PayoutResult(ok=True, ref=f"SIMPAY{digest}")
            self._answers[request_id] = result
            return result

    @classmethod
    def fail(cls, request_id: str, reason: str) -> None:
        with cls._lock:
            cls._failing[request_id] = reason

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls._answers.clear()
            cls._failing.clear()
            cls.calls.clear()


def get_provider() -> PayoutProvider:
    path = settings.SHEQUN.get("COMMISSION_PAYOUT_PROVIDER",
                               "shequn.commission.payout.SimulatedPayout")
    provider: PayoutProvider = import_string(path)()
    return provider
