"""Leader earnings: balances from the ledger, commission lines, withdrawal requests
and their history. Reads come from shequn.commission.selectors, changes go through
shequn.commission.services; every read is filtered by request.user, so a leader
only ever sees their own money."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.commission import conf as commission_conf
from shequn.commission import selectors as reads
from shequn.commission import services as commission
from shequn.commission.selectors import may_access_earnings
from shequn.core.errors import DomainError
from shequn.web.htmx import HtmxHttpRequest
from shequn.web.leader.views import not_a_leader
from shequn.web.templatetags.money import yuan


def earner_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like leader_only, but a former leader (role revoked by terminate) keeps
    their earnings page and withdrawals: the money is still theirs."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "/login/")
        if not may_access_earnings(request.user):
            return not_a_leader(request)
        return view(request, *args, **kwargs)

    return wrapped


def _request_key(raw: str) -> str:
    """The form's one-time token, or "" (no idempotency) when it is not a UUID."""
    try:
        return str(uuid.UUID(raw.strip()))
    except ValueError:
        return ""


def _form_context(user: Any, amount: str = "", error: DomainError | None = None,
                  ok: str = "") -> dict[str, Any]:
    # A fresh token per rendered form: a double submit of one form carries the
    # same token and so creates one withdrawal.
    return {"balances": reads.balances(user), "amount": amount, "error": error, "ok": ok,
            "request_key": uuid.uuid4(),
            "minimum": commission_conf.decimal_setting("COMMISSION_WITHDRAWAL_MIN"),
            "fee": _fee_formula()}


def _fee_formula() -> str:
    """How the withdrawal fee is computed ("0.006 × amount + ¥1.00"), "" for none."""
    rate = commission_conf.decimal_setting("COMMISSION_WITHDRAWAL_FEE_RATE")
    fixed = commission_conf.decimal_setting("COMMISSION_WITHDRAWAL_FEE_FIXED")
    parts = [_("%(rate)s × amount") % {"rate": rate}] if rate else []
    if fixed:
        parts.append(yuan(fixed))
    return " + ".join(parts)


def _withdrawal_rows(user: Any) -> list[Any]:
    return list(reads.withdrawals_for_leader(user).order_by("-requested_at")[:50])


@require_GET
@earner_only
def earnings(request: HttpRequest) -> HttpResponse:
    ctx = {"nav": "earnings", "lines": reads.lines_for_leader(request.user, limit=100),
           "withdrawals": _withdrawal_rows(request.user), **_form_context(request.user)}
    return render(request, "leader/earnings.html", ctx)


@require_POST
@earner_only
def withdraw(request: HtmxHttpRequest) -> HttpResponse:
    """Ask for a withdrawal; errors (bad amount, below minimum, not enough balance)
    show inline at the field and nothing changes."""
    amount = request.POST.get("amount", "").strip()[:40]
    key = _request_key(request.POST.get("request_key", "")[:64])
    error, ok, status = None, "", 200
    try:
        w = commission.request_withdrawal(request.user, amount, request_key=key)
        ok = _("Withdrawal of ¥%(amount)s requested; awaiting review") % {
            "amount": f"{w.amount:,.2f}"}
        amount = ""
    except DomainError as err:
        error, status = err, err.status
    if not request.htmx:
        if error is not None:
            messages.error(request, error.message)
        else:
            messages.success(request, ok)
        return redirect("leader:earnings")
    ctx = {**_form_context(request.user, amount, error, ok),
           "withdrawals": _withdrawal_rows(request.user), "oob": True}
    return render(request, "leader/_withdraw_form.html", ctx, status=status)
