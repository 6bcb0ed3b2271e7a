"""Customs API.

* ``POST /receipts`` — the single window (``shequn customs-sim`` or a real
  terminal adapter) pushes one receipt message (bare CEB XML or a DxpMsg).
  A machine endpoint: no session, no CSRF; a bearer token
  (``SHEQUN["CUSTOMS_RECEIPT_TOKEN"]``) instead. The token is checked before
  the body is read and the size before it is parsed; a refused call changes
  nothing. An address that made too many refused calls in a minute is
  answered 429 without looking further.
* Operators: declarations by state, one declaration with its messages and
  receipts, cancel a declaration (CEB623), resend a message. Buyers and
  leaders get 403 ``not_operator``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema
from ninja.security import django_auth

from shequn.api.schemas import Error, Id, SmallInt
from shequn.core import netaddr, ratelimit
from shequn.core.errors import CodedError, CommonError, DomainError
from shequn.core.errors import msgid as _
from shequn.customs import ops, selectors, services
from shequn.customs.errors import CustomsError
from shequn.customs.models import Declaration, Message, Receipt

log = logging.getLogger("shequn.customs")
router = Router(tags=["customs"], auth=django_auth)

# A receipt message is a few KB; a DxpMsg of a batch stays far below this.
MAX_RECEIPT_BYTES = 1024 * 1024
REFUSAL_WINDOW_SECONDS = 60


class ReceiptIntakeError(CodedError):
    BAD_TOKEN = ("receipt_token_invalid", _("Missing or wrong receipt token"), 401)
    TOO_LARGE = ("receipt_too_large", _("Receipt message too large"), 413)


class OutcomesOut(Schema):
    outcomes: list[str]


def _refuse(err: DomainError, **headers: str) -> HttpResponse:
    response = JsonResponse(err.as_dict(), status=err.status)
    for name, value in headers.items():
        response[name] = value
    return response


def _token_ok(request: HttpRequest) -> bool:
    expected = str(settings.SHEQUN.get("CUSTOMS_RECEIPT_TOKEN") or "")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    # Constant time: the comparison must not tell how much of a guess was right.
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _refusals_per_minute() -> int:
    return int(settings.SHEQUN.get("CUSTOMS_RECEIPT_REFUSALS_PER_MINUTE", 30))


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@router.post("/receipts", auth=None, url_name="customs_receipts",
             response={200: OutcomesOut, 400: Error, 401: Error, 413: Error, 429: Error})
def receipts(request: HttpRequest) -> HttpResponse | dict[str, list[str]]:
    """Apply one receipt message from customs; ``outcomes`` has one entry per
    record: applied, ignored (old or not forward), duplicate, unknown, …"""
    ip = netaddr.client_ip(request)
    key = f"customsreceipt:{ip or '-'}"
    if ratelimit.exceeded(key, _refusals_per_minute(), REFUSAL_WINDOW_SECONDS):
        return _refuse(CommonError.RATE_LIMITED.error())
    if not _token_ok(request):
        ratelimit.hit(key, _refusals_per_minute(), REFUSAL_WINDOW_SECONDS)
        log.warning("customs receipt refused: bad or missing token from %s", ip or "?")
        return _refuse(ReceiptIntakeError.BAD_TOKEN.error(), **{"WWW-Authenticate": "Bearer"})
    if _declared_length(request) > MAX_RECEIPT_BYTES:
        return _refuse(ReceiptIntakeError.TOO_LARGE.error(limit=MAX_RECEIPT_BYTES))
    # Read at most one byte past the limit: a body longer than it claimed (or
    # sent without a length) is refused without being held in memory whole.
    data = request.read(MAX_RECEIPT_BYTES + 1)
    if len(data) > MAX_RECEIPT_BYTES:
        return _refuse(ReceiptIntakeError.TOO_LARGE.error(limit=MAX_RECEIPT_BYTES))
    return {"outcomes": services.receive(data)}


# --------------------------------------------------------------------------- operators


class DeclarationOut(Schema):
    order_number: str
    state: str
    state_label: str
    status_code: str
    status_info: str
    cop_no: str
    logistics_no: str
    pre_no: str
    invt_no: str
    customs_tax: str | None
    created_at: dt.datetime
    changed_at: dt.datetime
    released_at: dt.datetime | None
    closed_at: dt.datetime | None


class ReceiptOut(Schema):
    kind: str
    return_status: str
    return_time: str
    return_info: str
    outcome: str
    received_at: dt.datetime


class MessageOut(Schema):
    id: int
    kind: str
    business_key: str
    state: str
    attempts: int
    last_error: str
    cancelled: bool
    cancel_reason: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


class TransitionOut(Schema):
    from_state: str
    to_state: str
    status: str
    return_time: str
    info: str
    received_at: dt.datetime


class DeclarationDetailOut(DeclarationOut):
    messages: list[MessageOut]
    receipts: list[ReceiptOut]
    history: list[TransitionOut]


class CancelIn(Schema):
    reason: str = ""


def _operator(request: HttpRequest) -> None:
    ops.require_operator(request.user)


def declaration_out(d: Declaration) -> dict:
    return {"order_number": d.order.number, "state": d.state,
            "state_label": d.get_state_display(), "status_code": d.status_code,
            "status_info": d.status_info, "cop_no": d.cop_no, "logistics_no": d.logistics_no,
            "pre_no": d.pre_no, "invt_no": d.invt_no,
            "customs_tax": None if d.customs_tax is None else f"{d.customs_tax:.2f}",
            "created_at": d.created_at, "changed_at": d.changed_at,
            "released_at": d.released_at, "closed_at": d.closed_at}


def message_out(m: Message) -> dict:
    return {"id": m.pk, "kind": m.kind, "business_key": m.business_key, "state": m.state,
            "attempts": m.attempts, "last_error": m.last_error,
            "cancelled": selectors.is_cancelled(m), "cancel_reason": m.cancel_reason,
            "created_at": m.created_at,
            "sent_at": m.sent_at}


def receipt_out(r: Receipt) -> dict:
    return {"kind": r.kind, "return_status": r.return_status, "return_time": r.return_time,
            "return_info": r.return_info, "outcome": r.outcome, "received_at": r.received_at}


def _detail(number: str) -> dict:
    declaration = selectors.declaration_for_number(number)
    if declaration is None:
        raise CustomsError.NO_DECLARATION.error()
    receipts_ = selectors.receipts_of(declaration)
    return {**declaration_out(declaration),
            "messages": [message_out(m) for m in declaration.messages.order_by("pk")],
            "receipts": [receipt_out(r) for r in receipts_],
            "history": [vars(t) for t in selectors.history(receipts_)]}


@router.get("/declarations", response={200: list[DeclarationOut], 403: Error, 422: Error})
def list_declarations(request: HttpRequest, state: str = "", q: str = "",
                      limit: SmallInt = 50, offset: SmallInt = 0) -> list[dict]:
    """Newest first; ``state`` one of the declaration states, ``q`` part of an
    order number, copNo or invtNo; at most 200 per call."""
    _operator(request)
    if state and state not in Declaration.State.values:
        raise CommonError.INVALID_INPUT.error(state=state)
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    qs = selectors.declarations(state, q)[offset:offset + limit]
    return [declaration_out(d) for d in qs]


@router.get("/declarations/{number}",
            response={200: DeclarationDetailOut, 403: Error, 404: Error})
def get_declaration(request: HttpRequest, number: str) -> dict:
    _operator(request)
    return _detail(number)


@router.post("/declarations/{number}/cancel",
             response={200: DeclarationDetailOut, 403: Error, 404: Error, 409: Error,
                       422: Error})
def cancel_declaration(request: HttpRequest, number: str, payload: CancelIn) -> dict:
    """Ask customs to cancel (CEB623); the refund follows customs' approval."""
    ops.cancel_declaration(request.user, number, payload.reason)
    return _detail(number)


@router.post("/messages/{message_id}/resend",
             response={200: MessageOut, 403: Error, 404: Error, 409: Error, 422: Error})
def resend_message(request: HttpRequest, message_id: Id) -> dict:
    """Queue a message that did not go out again (CEB900 or a dead letter);
    refused while a retry is still scheduled or once it was sent."""
    return message_out(ops.resend_message(request.user, message_id, note="API"))
