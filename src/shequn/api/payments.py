"""The provider's asynchronous notification endpoint (server to server,
authenticated by its signature, not by a session).

Refusals are counted per client address: an address that sent too many
refused notifications in a minute is answered 429 before its body is even
verified. Good notifications are never throttled (one provider address sends
all of them, at the shop's peak)."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from shequn.core import netaddr, ratelimit
from shequn.core.errors import CommonError, DomainError
from shequn.payments import services

router = Router(tags=["payments"])

WINDOW_SECONDS = 60


class FailOut(Schema):
    code: str  # always "FAIL" (the providers' convention)
    reason: str
    message: str
    message_en: str


def _refusals_per_minute() -> int:
    return int(settings.SHEQUN.get("PAYMENT_NOTIFY_REFUSALS_PER_MINUTE", 30))


def _fail(err: DomainError) -> HttpResponse:
    # Providers retry on 4xx/5xx; the body follows their FAIL convention.
    return HttpResponse(json.dumps({"code": "FAIL", "reason": err.code, "message": err.message,
                                    "message_en": err.message_en}, ensure_ascii=False),
                        status=err.status, content_type="application/json")


@router.post("/notify", auth=None, include_in_schema=True,
             summary="Payment provider notification (signed)",
             response={204: None, 400: FailOut, 401: FailOut, 404: FailOut, 409: FailOut,
                       422: FailOut, 429: FailOut})
def notify(request: HttpRequest) -> HttpResponse:
    key = f"paynotify:{netaddr.client_ip(request) or '-'}"
    if ratelimit.exceeded(key, _refusals_per_minute(), WINDOW_SECONDS):
        return _fail(CommonError.RATE_LIMITED.error())
    try:
        services.handle_notification(request.body, request.headers)
    except DomainError as exc:
        ratelimit.hit(key, _refusals_per_minute(), WINDOW_SECONDS)
        return _fail(exc)
    return HttpResponse(status=204)
