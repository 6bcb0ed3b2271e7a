"""The provider's asynchronous notification endpoint (server to server,
authenticated by its signature, not by a session)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from shequn.core.errors import DomainError
from shequn.payments import services

router = Router(tags=["payments"])


@router.post("/notify", auth=None, include_in_schema=True,
             summary="Payment provider notification (signed)")
def notify(request: HttpRequest) -> HttpResponse:
    try:
        services.handle_notification(request.body, request.headers)
    except DomainError as exc:
        # Providers retry on 4xx/5xx; the body follows their FAIL convention.
        import json

        return HttpResponse(json.dumps({"code": "FAIL", "reason": exc.code,
                                        "message": exc.message}, ensure_ascii=False),
                            status=exc.status, content_type="application/json")
    return HttpResponse(status=204)
