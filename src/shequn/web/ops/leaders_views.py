"""Operator pages for the leader network and its money: leader applications and
decisions, customer bindings, settlement runs, withdrawal audit, the quarterly
income report and fission analytics.

Every action calls one domain service (which checks the operator role, refuses bad
input with a coded error and writes the audit log); the views only parse, call and
render. Personal data is shown masked. Included from ops/urls.py with
``path("", include("shequn.web.ops.leaders_views"))`` (names in the ``ops`` namespace)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequn.accounts.models import User
from shequn.analytics import exports, fission, funnels
from shequn.analytics.periods import local_midnight, local_today
from shequn.commission import reports
from shequn.commission import selectors as commission_reads
from shequn.commission import services as commission
from shequn.commission.models import CommissionLine, Withdrawal
from shequn.core import audit, pii
from shequn.core import converters as _converters  # noqa: F401  (registers <id:...>)
from shequn.core.errors import DomainError
from shequn.distribution import applications as network
from shequn.distribution import codes
from shequn.distribution import selectors as network_reads
from shequn.distribution.models import CustomerBinding, LeaderProfile
from shequn.web import charts
from shequn.web.htmx import HtmxHttpRequest
from shequn.web.ops.views import operator_only

log = logging.getLogger("shequn.web.ops")
Status = LeaderProfile.Status

# Which decisions each status allows (the service enforces it; this only picks buttons).
LEADER_ACTIONS: dict[str, list[str]] = {
    Status.PENDING: ["approve", "reject"], Status.APPROVED: ["freeze", "terminate"],
    Status.FROZEN: ["unfreeze", "terminate"]}
DECIDE: dict[str, Callable[[int, Any, str], LeaderProfile]] = {
    "approve": network.approve, "reject": network.reject, "freeze": network.freeze,
    "unfreeze": network.unfreeze, "terminate": network.terminate}
PAGE = 50


# --------------------------------------------------------------------------- leaders

MAX_PAGE = 10_000


@require_GET
@operator_only
def leaders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Status.PENDING)
    if status not in Status.values and status != "all":
        status = Status.PENDING
    try:
        # capped: a huge page number was an OFFSET out of PostgreSQL's bigint range (500)
        page = min(MAX_PAGE, max(1, int(request.GET.get("page", "1"))))
    except ValueError:
        page = 1
    rows = network_reads.applications(None if status == "all" else status, limit=PAGE,
                                      offset=(page - 1) * PAGE)
    ctx = {"nav": "leaders", "rows": rows, "status": status,
           "statuses": Status.choices, "page": page,
           "has_next": len(rows) == PAGE}
    return render(request, "ops/leaders.html", ctx)


@require_POST
@operator_only
def leader_action(request: HtmxHttpRequest, profile_id: int, action: str) -> HttpResponse:
    decide = DECIDE.get(action)
    if decide is None:
        raise Http404("unknown action")
    reason = request.POST.get("reason", "").strip()
    ok, error, status = "", None, 200
    try:
        decide(profile_id, request.user, reason)
        ok = {"approve": _("Approved"), "reject": _("Rejected"),
              "freeze": _("Frozen"), "unfreeze": _("Unfrozen"),
              "terminate": _("Terminated")}[action]
    except DomainError as err:
        log.info("ops leader %s %s refused: %s", action, profile_id, err.code)
        error, status = err, err.status
    profile = LeaderProfile.objects.select_related("user", "inviter").filter(pk=profile_id).first()
    if profile is None:
        raise Http404("no such application")
    if not request.htmx:
        if error is not None:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{profile.real_name_masked} {ok}")
        return redirect(reverse("ops:leaders") + f"?status={request.POST.get('back', 'pending')}")
    return render(request, "ops/leaders_card.html",
                  {"p": profile, "ok": ok, "error": error}, status=status)


# --------------------------------------------------------------------------- bindings

def _leader_lookup(q: str) -> list[int]:
    """User ids of leaders matching an invite code, a shop slug or a username."""
    q = q.replace("\x00", "").strip()[:40]  # PostgreSQL refuses NUL in a query (a 500)
    code = codes.normalize_code(q)
    by = LeaderProfile.objects.none()
    if code:
        by = LeaderProfile.objects.filter(invite_code=code)
    ids = set(by.values_list("user_id", flat=True))
    ids |= set(LeaderProfile.objects.filter(shop__slug=q.lower()).values_list("user_id",
                                                                              flat=True))
    ids |= set(LeaderProfile.objects.filter(user__username=q).values_list("user_id", flat=True))
    return sorted(ids)


_PHONE_RE = re.compile(r"^1\d{10}$")


@require_http_methods(["GET", "POST"])
@operator_only
def bindings(request: HttpRequest) -> HttpResponse:
    """Search bindings by leader (invite code, shop slug or username) or by the buyer's
    full phone number, looked up by its keyed hash (phones are never stored in clear).
    The search is POSTed, so a phone number never stands in a URL (access logs,
    browser history, Referer); a GET only filters by leader."""
    params = request.POST if request.method == "POST" else request.GET
    leader_q = params.get("leader", "").strip()
    phone = (re.sub(r"\D", "", request.POST.get("phone", ""))[:11]
             if request.method == "POST" else "")
    rows: list[CustomerBinding] = []
    history: list[Any] = []
    error = ""
    searched = bool(leader_q or phone)
    if phone and not _PHONE_RE.match(phone):
        error = _("Enter the full 11-digit mobile number")
    elif searched:
        leader_ids = _leader_lookup(leader_q) if leader_q else None
        buyer_ids = (list(User.objects.filter(phone_hash=pii.lookup_hash(phone))
                          .values_list("pk", flat=True)) if phone else None)
        qs = CustomerBinding.objects.select_related("buyer", "leader", "leader__shop")
        if leader_ids is not None:
            qs = qs.filter(leader__user_id__in=leader_ids)
        if buyer_ids is not None:
            qs = qs.filter(buyer_id__in=buyer_ids)
            if len(buyer_ids) == 1:
                history = network_reads.binding_history(User(pk=buyer_ids[0]))
        rows = list(qs.order_by("-bound_at")[:200])
    ctx = {"nav": "bindings", "rows": rows, "history": history, "leader_q": leader_q,
           "phone_masked": pii.mask_phone(phone) if phone else "", "searched": searched,
           "error": error}
    return render(request, "ops/bindings.html", ctx)


# --------------------------------------------------------------------------- settlement

@require_GET
@operator_only
def settlement(request: HttpRequest) -> HttpResponse:
    pending = CommissionLine.objects.filter(state=CommissionLine.State.PENDING)
    ctx = {"nav": "settlement", "runs": commission_reads.settlement_runs(50),
           "pending_lines": pending.count(),
           "due_lines": commission_reads.due_lines().count(),
           "unbalanced": commission_reads.unbalanced_entries()}
    return render(request, "ops/settlement.html", ctx)


@require_POST
@operator_only
def settlement_run(request: HttpRequest) -> HttpResponse:
    """运行结算: settle every line whose order is completed (idempotent job)."""
    run = commission.settle_due(record_empty=True)
    assert run is not None  # record_empty=True always records a run
    # The job itself has no actor; the operator who started it is logged here.
    audit.record(request.user, "commission.settle_run", run, lines=run.lines_settled,
                 total=run.total)
    messages.success(request, ngettext(
        "Settled %(n)s line, %(total)s CNY", "Settled %(n)s lines, %(total)s CNY",
        run.lines_settled) % {"n": run.lines_settled, "total": run.total})
    return redirect("ops:settlement")


# --------------------------------------------------------------------------- withdrawals

@require_GET
@operator_only
def withdrawals(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", Withdrawal.State.REQUESTED)
    if state not in Withdrawal.State.values and state != "all":
        state = Withdrawal.State.REQUESTED
    qs = commission_reads.withdrawals_for_ops(None if state == "all" else state)
    rows = list(qs.order_by("-requested_at")[:200])
    year, quarter = _this_quarter()
    ctx = {"nav": "withdrawals", "rows": rows, "state": state,
           "states": Withdrawal.State.choices,
           "approved_waiting": Withdrawal.objects.filter(state=Withdrawal.State.APPROVED).count(),
           "year": year, "quarter": quarter, "quarters": (1, 2, 3, 4)}
    return render(request, "ops/withdrawals.html", ctx)


@require_POST
@operator_only
def withdrawal_action(request: HtmxHttpRequest, withdrawal_id: str, action: str
                      ) -> HttpResponse:
    """Approve or reject (with a reason) a withdrawal; the service refuses an operator
    deciding their own withdrawal (``own_withdrawal``)."""
    if action not in ("approve", "reject"):
        raise Http404("unknown action")
    pk = _uuid_or_none(withdrawal_id)
    if pk is None:  # not an id at all: not found (before any service reads it)
        raise Http404("no such withdrawal")
    ok, error, status = "", None, 200
    try:
        if action == "approve":
            commission.approve_withdrawal(request.user, pk)
            ok = _("Approved, waiting for the payout")
        else:
            commission.reject_withdrawal(request.user, pk,
                                         request.POST.get("reason", "")[:500])
            ok = pgettext("withdrawal", "Rejected")
    except DomainError as err:
        log.info("ops withdrawal %s %s refused: %s", action, withdrawal_id, err.code)
        error, status = err, err.status
    w = Withdrawal.objects.select_related("leader").filter(pk=pk).first()
    if w is None:
        raise Http404("no such withdrawal")
    if not request.htmx:
        if error is not None:
            messages.error(request, error.message)
        else:
            messages.success(request, ok)
        return redirect("ops:withdrawals")
    return render(request, "ops/withdrawals_card.html",
                  {"w": w, "ok": ok, "error": error}, status=status)


def _uuid_or_none(raw: str) -> str | None:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        return None


@require_POST
@operator_only
def payouts_run(request: HttpRequest) -> HttpResponse:
    """Send approved withdrawals to the payout provider now (the periodic job does the
    same); each payout is idempotent by withdrawal id."""
    n = commission.payout_job()
    audit.record(request.user, "commission.payout_run", None, withdrawals=n)
    messages.success(request, ngettext("Sent %(n)s payout", "Sent %(n)s payouts", n) % {"n": n})
    return redirect(reverse("ops:withdrawals") + "?state=all")


# --------------------------------------------------------------------------- income report

def _this_quarter() -> tuple[int, int]:
    today = local_today()
    return today.year, (today.month - 1) // 3 + 1


@require_GET
@operator_only
def income_report(request: HttpRequest) -> HttpResponse:
    """Quarterly commission income of every leader (国务院令第810号) as CSV or XLSX,
    built by shequn.commission.reports; every download is in the audit log."""
    fmt = request.GET.get("format", "csv")
    try:
        year = int(request.GET.get("year", ""))
        quarter = int(request.GET.get("quarter", ""))
    except ValueError:
        year, quarter = 0, 0
    try:
        if fmt == "xlsx":
            body = reports.income_xlsx(year, quarter)
            ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif fmt == "csv":
            body, ctype = reports.income_csv(year, quarter), "text/csv; charset=utf-8"
        else:
            raise Http404("unknown format")
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("ops:withdrawals")
    audit.record(request.user, "commission.income_report", None, year=year, quarter=quarter,
                 format=fmt)
    resp = HttpResponse(body, content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="income-{year}Q{quarter}.{fmt}"'
    resp["Cache-Control"] = "no-store"
    return resp


# --------------------------------------------------------------------------- fission

FUNNEL_DAYS = (7, 30, 90)


def _window(request: HttpRequest) -> tuple[int, dt.datetime]:
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in FUNNEL_DAYS else 30
    return days, local_midnight(local_today() - dt.timedelta(days=days - 1))


@require_GET
@operator_only
def fission_page(request: HttpRequest) -> HttpResponse:
    days, since = _window(request)
    by_channel = funnels.funnel_by_channel(since)
    by_leader = funnels.funnel_by_leader(since)[:50]
    by_product = funnels.funnel_by_product(since)[:50]
    cohorts = fission.k_factor_by_cohort()
    sizes = fission.team_size_distribution()
    depths = fission.depth_distribution()
    channels = charts.spec([r.label for r in by_channel],
                           charts.series(_("Visits"), [r.visits for r in by_channel],
                                         color=charts.GREY_BLUE),
                           charts.series(_("Orders"), [r.orders for r in by_channel],
                                         color=charts.RED), integer=True)
    k_factor = charts.spec([c.month.strftime("%Y-%m") for c in cohorts],
                           charts.series("K", [float(c.k_factor or 0) for c in cohorts],
                                         kind="line", color=charts.RED),
                           charts.series(_("Invites per leader"),
                                         [float(c.invites_per_leader or 0) for c in cohorts],
                                         kind="line", color=charts.GREY_BLUE))
    team_sizes = charts.spec([b.label for b in sizes],
                             charts.series(_("Leaders"), [b.leaders for b in sizes],
                                           color=charts.ORANGE), integer=True)
    ctx = {"nav": "fission", "days": days, "choices": FUNNEL_DAYS,
           "by_channel": by_channel, "by_leader": by_leader, "by_product": by_product,
           "channel_total": funnels.totals(by_channel), "cohorts": cohorts,
           "sizes": sizes, "depths": depths, "team_depths": fission.team_depth_distribution(),
           "channel_chart": channels, "k_chart": k_factor, "size_chart": team_sizes,
           "activation_days": fission.ACTIVATION_DAYS}
    return render(request, "ops/fission.html", ctx)


def _csv_response(body: str, filename: str) -> HttpResponse:
    resp = HttpResponse(body, content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp["Cache-Control"] = "no-store"
    return resp


@require_GET
@operator_only
def fission_export(request: HttpRequest, kind: str) -> HttpResponse:
    days, since = _window(request)
    stamp = local_today().isoformat()
    if kind in funnels.DIMENSIONS:
        body = exports.funnel_csv(kind, since)
        name = f"funnel-{kind}-{days}d-{stamp}.csv"
    elif kind == "k-factor":
        body, name = exports.k_factor_csv(), f"k-factor-{stamp}.csv"
    elif kind == "team":
        body, name = exports.team_csv(), f"team-distribution-{stamp}.csv"
    else:
        raise Http404("unknown export")
    audit.record(request.user, "analytics.export", None, kind=kind, days=days)
    return _csv_response(body, name)


urlpatterns = [
    path("leaders/", leaders, name="leaders"),
    path("leaders/<id:profile_id>/<slug:action>/", leader_action, name="leader_action"),
    path("bindings/", bindings, name="bindings"),
    path("settlement/", settlement, name="settlement"),
    path("settlement/run/", settlement_run, name="settlement_run"),
    path("withdrawals/", withdrawals, name="withdrawals"),
    path("withdrawals/payouts/", payouts_run, name="payouts_run"),
    path("withdrawals/<str:withdrawal_id>/<slug:action>/", withdrawal_action,
         name="withdrawal_action"),
    path("reports/income/", income_report, name="income_report"),
    path("fission/", fission_page, name="fission"),
    path("fission/export/<slug:kind>.csv", fission_export, name="fission_export"),
]
