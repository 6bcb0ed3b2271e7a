"""Ops customs console (operators only): declarations by state with filters,
stuck declarations (no receipt or change for N minutes), rejections with
customs' reasons, messages that did not go out (resend / cancel), the
payment-to-release chart (p50 / p95 per day), and one declaration's messages,
receipts and state history with the "cancel declaration" action and, per
WeChat Pay payment declaration, "query WeChat now" (paydecl.query_now). Actions call
customs.ops / customs.services, which check the role again and write the
audit log. Included from ops/urls.py, so the names are ``ops:customs…``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.roles import OPERATOR, role_required
from shequn.core.errors import DomainError
from shequn.customs import ops, paydecl, selectors
from shequn.customs.models import Declaration, Message, PaymentDeclaration
from shequn.web import charts

log = logging.getLogger("shequn.web.ops")
operator_only = role_required(OPERATOR)
PAGE_SIZE = 50
LIST_LIMIT = 50
DEFAULT_STUCK_MINUTES = 30
MAX_STUCK_MINUTES = 60 * 24 * 30
CHART_DAYS = 14


def _minutes(raw: str | None) -> int:
    """N of "no receipt for N minutes": a whole number of minutes, bounded."""
    try:
        value = int(raw or DEFAULT_STUCK_MINUTES)
    except ValueError:
        return DEFAULT_STUCK_MINUTES
    return max(1, min(value, MAX_STUCK_MINUTES))


def _label(declaration: Declaration) -> Declaration:
    return declaration


def _message_label(message: Message) -> Message:
    """Display fields: given up on, dead letter, tries and error (the send
    event's when it has them: see selectors.with_send_status)."""
    m: Any = message
    m.dead = getattr(message, "send_dead_at", None) is not None
    m.retrying = not m.dead and getattr(message, "send_attempts", None) is not None
    m.tries = max(message.attempts, getattr(message, "send_attempts", None) or 0)
    m.error = ((message.cancel_reason if selectors.is_cancelled(message) else "")
               or message.last_error or getattr(message, "send_error", None) or "")
    return message


@require_GET
@operator_only
def console(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in Declaration.State.values:
        state = ""
    q = request.GET.get("q", "").strip()[:30]
    minutes = _minutes(request.GET.get("minutes"))
    show_cancelled = request.GET.get("cancelled") == "1"
    page = Paginator(selectors.declarations(state, q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    stuck_qs = selectors.stuck(minutes)
    failing_qs = selectors.failing_messages(include_cancelled=show_cancelled)
    times = selectors.release_times(CHART_DAYS)
    chart = charts.spec([d["day"][5:] for d in times],
                        charts.series("p50", [d["p50"] for d in times], kind="line",
                                      color=charts.BLUE),
                        charts.series("p95", [d["p95"] for d in times], kind="line",
                                      color=charts.RED),
                        unit=_("min"))
    wechat = selectors.payment_declarations_by_order([d.order_id for d in page.object_list])
    for d in page.object_list:
        d.wechat = wechat.get(d.order_id, [])  # type: ignore[attr-defined]
    ctx = {
        "nav": "customs", "counts": selectors.state_counts(),
        "page": page, "declarations": [_label(d) for d in page.object_list],
        "state": state, "q": q,
        "states": Declaration.State.choices,
        "minutes": minutes, "stuck": [_label(d) for d in stuck_qs[:LIST_LIMIT]],
        "stuck_total": stuck_qs.count(),
        "rejections": [_label(d) for d in selectors.rejections()[:LIST_LIMIT]],
        "failing": [_message_label(m) for m in failing_qs[:LIST_LIMIT]],
        "failing_total": failing_qs.count(), "show_cancelled": show_cancelled,
        "times": times, "chart": chart,
    }
    return render(request, "ops/customs.html", ctx)


@require_GET
@operator_only
def declaration_detail(request: HttpRequest, number: str) -> HttpResponse:
    declaration = selectors.declaration_for_number(number)
    if declaration is None:
        raise Http404("no declaration for this order")
    receipts = selectors.receipts_of(declaration)
    ctx = {
        "nav": "customs", "d": _label(declaration), "order": declaration.order,
        "messages_sent": [_message_label(m) for m in selectors.messages_of(declaration)],
        "receipts": receipts, "history": selectors.history(receipts),
        "payment_declarations": [_pd_label(pd) for pd in
                                 selectors.payment_declarations_of(declaration.order_id)],
        "cancellable": bool(declaration.invt_no) and declaration.state in (
            selectors.WAITING) and declaration.cancel_requested_at is None,
    }
    return render(request, "ops/customs_detail.html", ctx)


def _pd_label(pd: PaymentDeclaration) -> PaymentDeclaration:
    """Which button the row offers: query WeChat now (polled states) or
    submit again (a failed submission still queued); none once decided."""
    p: Any = pd
    p.query_now = paydecl.can_query_now(pd)
    p.resubmit = p.query_now and pd.state == PaymentDeclaration.State.QUEUED
    return pd


def _run(request: HttpRequest, action: Callable[[], str], what: str) -> None:
    try:
        messages.success(request, action())
    except DomainError as err:
        log.info("ops customs %s refused: %s", what, err.code)
        messages.error(request, err.message)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    back = request.POST.get("next", "")
    # Only back into the console itself (no open redirect).
    if back.startswith(reverse("ops:customs")) and "//" not in back:
        return redirect(back)
    return redirect(default)


@require_POST
@operator_only
def cancel_declaration(request: HttpRequest, number: str) -> HttpResponse:
    reason = request.POST.get("reason", "")

    def run() -> str:
        ops.cancel_declaration(request.user, number, reason)
        return _("%(number)s: cancellation sent to customs") % {"number": number}

    _run(request, run, f"cancel {number}")
    return _back(request, reverse("ops:customs_declaration", args=[number]))


@require_POST
@operator_only
def message_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    reason = request.POST.get("reason", "")

    def resend() -> str:
        ops.resend_message(request.user, pk, note=reason)
        return _("Message #%(pk)s queued again") % {"pk": pk}

    def cancel() -> str:
        ops.cancel_message(request.user, pk, reason)
        return _("Message #%(pk)s given up") % {"pk": pk}

    run = {"resend": resend, "cancel": cancel}.get(action)
    if run is None:
        raise Http404("unknown action")
    _run(request, run, f"message {action} #{pk}")
    return _back(request, reverse("ops:customs"))


@require_POST
@operator_only
def payment_declaration_query(request: HttpRequest, pk: int) -> HttpResponse:
    """"Query WeChat now" / "Submit again" of one WeChat Pay payment declaration."""

    def run() -> str:
        outcome = paydecl.query_now(request.user, pk)
        text = {
            "accepted": _("WeChat Pay declaration #%(pk)s: accepted (SUCCESS); the inventory "
                          "list may leave"),
            "failed": _("WeChat Pay declaration #%(pk)s: failed; the order is held"),
            "progress": _("WeChat Pay declaration #%(pk)s: still being processed"),
            "exception": _("WeChat Pay declaration #%(pk)s: customs interface exception; "
                           "it is pushed again"),
            "repushed": _("WeChat Pay declaration #%(pk)s: pushed to customs again"),
            "submitted": _("WeChat Pay declaration #%(pk)s: submitted"),
            "already_submitted": _("WeChat Pay declaration #%(pk)s: submitted"),
            "refused": _("WeChat Pay declaration #%(pk)s: WeChat Pay refused the request; "
                         "the order is held"),
            "error": _("WeChat Pay declaration #%(pk)s: WeChat Pay gave no answer; "
                       "it is tried again later"),
        }.get(outcome, _("WeChat Pay declaration #%(pk)s: nothing to do"))
        return text % {"pk": pk}

    _run(request, run, f"payment declaration query #{pk}")
    return _back(request, reverse("ops:customs"))


urlpatterns = [
    path("customs/", console, name="customs"),
    path("customs/messages/<id:pk>/<slug:action>/", message_action,
         name="customs_message_action"),
    path("customs/wechat/<id:pk>/query/", payment_declaration_query,
         name="customs_paydecl_query"),
    path("customs/<str:number>/", declaration_detail, name="customs_declaration"),
    path("customs/<str:number>/cancel/", cancel_declaration, name="customs_cancel"),
]
