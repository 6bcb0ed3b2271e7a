"""Commission API: a leader's own balances, lines and withdrawals; operators
list and decide withdrawals. Every route reads only the signed-in leader's
data ("me"): there is no leader id to tamper with, and operator routes are
refused to everyone else."""

from __future__ import annotations

import datetime as dt
import logging

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from shequn.accounts import roles
from shequn.api.schemas import Error, Money, SmallInt, Text40, Text500
from shequn.commission import selectors, services
from shequn.commission.models import Withdrawal
from shequn.commission.selectors import may_access_earnings
from shequn.core.errors import CommonError

router = Router(tags=["commission"], auth=django_auth)
log = logging.getLogger("shequn.commission")


class BalancesOut(Schema):
    pending: str
    available: str
    frozen: str
    paid: str


class CommissionLineOut(Schema):
    id: int
    order_number: str
    buyer: str
    product: str
    qty: int
    base: str
    amount: str
    reversed_amount: str
    clawed_amount: str
    state: str
    state_label: str
    created_at: dt.datetime
    settled_at: dt.datetime | None


class WithdrawalIn(Schema):
    amount: Money


class WithdrawalOut(Schema):
    id: str
    leader_id: int
    amount: str
    fee: str
    net: str
    state: str
    state_label: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str
    failure: str


class RejectIn(Schema):
    reason: Text500 = ""


def _leader(request: HttpRequest):  # type: ignore[no-untyped-def]
    # A terminated leader (role revoked) still reaches their own money.
    if not may_access_earnings(request.user):
        raise CommonError.FORBIDDEN.error(role=roles.LEADER)
    return request.user


def _operator(request: HttpRequest) -> None:
    if not roles.has_role(request.user, roles.OPERATOR):
        raise CommonError.FORBIDDEN.error(role=roles.OPERATOR)


def _w(w: Withdrawal) -> WithdrawalOut:
    return WithdrawalOut(id=str(w.pk), leader_id=w.leader_id, amount=f"{w.amount:.2f}",
                         fee=f"{w.fee:.2f}", net=f"{w.net:.2f}", state=w.state,
                         state_label=w.get_state_display(), requested_at=w.requested_at,
                         decided_at=w.decided_at, reason=w.reason, failure=w.failure)


@router.get("/me", response={200: BalancesOut, 401: Error, 403: Error})
def my_balances(request: HttpRequest) -> BalancesOut:
    return BalancesOut(**selectors.balances(_leader(request)).as_dict())


@router.get("/me/lines", response={200: list[CommissionLineOut], 401: Error, 403: Error,
                                   422: Error})
def my_lines(request: HttpRequest, state: str | None = None, limit: SmallInt = 50,
             offset: SmallInt = 0) -> list[CommissionLineOut]:
    rows = selectors.lines_for_leader(_leader(request), state=state,
                                      limit=max(1, min(limit, 200)), offset=max(0, offset))
    return [CommissionLineOut(id=r.id, order_number=r.order_number, buyer=r.buyer,
                              product=r.product, qty=r.qty, base=f"{r.base:.2f}",
                              amount=f"{r.amount:.2f}",
                              reversed_amount=f"{r.reversed_amount:.2f}",
                              clawed_amount=f"{r.clawed_amount:.2f}", state=r.state,
                              state_label=r.state_label, created_at=r.created_at,
                              settled_at=r.settled_at) for r in rows]


@router.get("/me/withdrawals", response={200: list[WithdrawalOut], 401: Error, 403: Error})
def my_withdrawals(request: HttpRequest) -> list[WithdrawalOut]:
    return [_w(w) for w in selectors.withdrawals_for_leader(_leader(request))[:100]]


@router.post("/me/withdrawals", response={201: WithdrawalOut, 401: Error, 403: Error,
                                          409: Error, 422: Error})
def request_withdrawal(request: HttpRequest, payload: WithdrawalIn):  # type: ignore[no-untyped-def]
    key = request.headers.get("Idempotency-Key", "")
    return 201, _w(services.request_withdrawal(_leader(request), payload.amount,
                                               request_key=key))


@router.get("/withdrawals", response={200: list[WithdrawalOut], 401: Error, 403: Error,
                                      422: Error})
def list_withdrawals(request: HttpRequest, state: str | None = None) -> list[WithdrawalOut]:
    _operator(request)
    return [_w(w) for w in selectors.withdrawals_for_ops(state)[:200]]


@router.post("/withdrawals/{withdrawal_id}/approve",
             response={200: WithdrawalOut, 401: Error, 403: Error, 404: Error, 409: Error,
                       422: Error})
def approve(request: HttpRequest, withdrawal_id: Text40) -> WithdrawalOut:
    # Not a UUID type: an id that is not one names no withdrawal (404 from the service).
    _operator(request)
    w = services.approve_withdrawal(request.user, withdrawal_id)
    # Send it now (outside the approval's transaction). If the provider cannot
    # be reached the approval stands and the payout job retries.
    try:
        w = services.payout_withdrawal(w.pk)
    except Exception:
        log.exception("payout of withdrawal %s deferred to the payout job", w.pk)
    return _w(w)


@router.post("/withdrawals/{withdrawal_id}/reject",
             response={200: WithdrawalOut, 401: Error, 403: Error, 404: Error, 409: Error,
                       422: Error})
def reject(request: HttpRequest, withdrawal_id: Text40, payload: RejectIn) -> WithdrawalOut:
    _operator(request)
    return _w(services.reject_withdrawal(request.user, withdrawal_id, payload.reason))
