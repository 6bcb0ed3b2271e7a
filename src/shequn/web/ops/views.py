"""Operator console pages. Views parse input, read, call one domain service per
action and render; the rules (allowed transitions, refunds, audit) live in the
domains. Buyer data is shown masked only: the encrypted columns are never read."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.roles import OPERATOR, role_required
from shequn.analytics import gmv as figures
from shequn.core import clock
from shequn.core.errors import CommonError, DomainError
from shequn.core.httpinput import whole_number
from shequn.core.models import AuditLog, OutboxEvent
from shequn.core.pii import mask_name
from shequn.orders import services as order_services
from shequn.orders.models import AfterSale, Order
from shequn.payments import services as payment_services
from shequn.payments.models import Payment, Refund
from shequn.web import charts
from shequn.web.htmx import HtmxHttpRequest

log = logging.getLogger("shequn.web.ops")
S = Order.State

# States in which the money has been received and not given back.
GMV_STATES = (S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED)
CHART_DAYS = 14
PAGE_SIZE = 50

operator_only = role_required(OPERATOR)


# --------------------------------------------------------------------------- helpers

def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min),
                               timezone.get_current_timezone())


def _today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def actions_for(state: str) -> list[str]:
    """The operator actions an order's state allows (the services enforce them; this
    only picks the buttons)."""
    actions: dict[str, list[str]] = {S.PAID: ["ship", "refund"],
                                     S.ON_HOLD: ["clear-hold", "refund"],
                                     S.SHIPPED: ["deliver"]}
    return actions.get(state, [])


def _count_by_state(qs: QuerySet[Order]) -> dict[str, int]:
    return dict(qs.values_list("state").annotate(n=Count("pk")).order_by())


def state_counts(since: dt.datetime) -> list[dict[str, Any]]:
    """One row per state: orders created since ``since`` and all-time."""
    recent = _count_by_state(Order.objects.filter(created_at__gte=since))
    total = _count_by_state(Order.objects.all())
    return [{"state": value, "label": label,
             "today": recent.get(value, 0), "all": total.get(value, 0)}
            for value, label in S.choices]


def orders_per_day(days: int = CHART_DAYS) -> list[dict[str, Any]]:
    """Orders created per local calendar day for the last ``days`` days (zeros
    included), with how many of them are paid and not refunded."""
    today = _today()
    first = today - dt.timedelta(days=days - 1)
    rows = (Order.objects.filter(created_at__gte=_local_midnight(first))
            .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .values("day").annotate(n=Count("pk"), paid=Count("pk", filter=Q(
                state__in=GMV_STATES))).order_by("day"))
    by_day = {r["day"]: r for r in rows}
    series = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        r: Mapping[str, Any] = by_day.get(day, {})
        series.append({"day": day.isoformat(), "n": r.get("n", 0), "paid": r.get("paid", 0)})
    return series


def _outbox_backlog() -> dict[str, Any]:
    pending = OutboxEvent.objects.filter(processed_at__isnull=True)
    oldest = pending.order_by("available_at").values_list("available_at", flat=True).first()
    return {"pending": pending.count(), "failing": pending.filter(attempts__gt=0).count(),
            "oldest": oldest}


def _with_open_returns(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Each order with ``open_returns``: its return requests waiting for a decision."""
    return qs.annotate(open_returns=Count("after_sales", filter=Q(
        after_sales__state=AfterSale.State.OPEN)))


def _order_or_404(number: str) -> Order:
    order = (_with_open_returns(Order.objects.filter(number=number))
             .select_related("shop", "leader", "seller", "warehouse").first())
    if order is None:
        raise Http404("order not found")
    return order


# --------------------------------------------------------------------------- pages

@require_GET
@operator_only
def dashboard(request: HttpRequest) -> HttpResponse:
    today = _local_midnight(_today())
    all_orders = Order.objects.all()
    gmv, gmv_today = figures.gmv(), figures.gmv(created_since=today)
    per_day = orders_per_day()
    chart = charts.spec([d["day"][5:] for d in per_day],
                        charts.series(_("Orders"), [d["n"] for d in per_day],
                                      color=charts.GREY_BLUE),
                        charts.series(_("Paid"), [d["paid"] for d in per_day], color=charts.RED),
                        integer=True)
    ctx = {
        "nav": "dashboard",
        "counts": state_counts(today),
        "orders_today": all_orders.filter(created_at__gte=today).count(),
        "orders_all": all_orders.count(),
        "gmv": gmv, "gmv_today": gmv_today, "refunds": figures.refund_counts(),
        "per_day": per_day, "chart": chart,
        "backlog": _outbox_backlog(),
        "returns_open": AfterSale.objects.filter(state=AfterSale.State.OPEN).count(),
    }
    return render(request, "ops/dashboard.html", ctx)


@require_GET
@operator_only
def order_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    q = request.GET.get("q", "").strip()
    returns = request.GET.get("returns", "") == "open"
    qs = (_with_open_returns(Order.objects.select_related("shop", "leader"))
          .order_by("-created_at", "-number"))
    if state in S.values:
        qs = qs.filter(state=state)
    else:
        state = ""
    if returns:  # waiting for the operator's decision on a return
        qs = qs.filter(pk__in=AfterSale.objects.filter(state=AfterSale.State.OPEN)
                       .values("order_id"))
    if q:
        qs = qs.filter(number__icontains=q[:20])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"nav": "orders", "page": page, "orders": page.object_list,
           "state": state, "q": q, "states": S.choices, "returns": returns}
    return render(request, "ops/orders.html", ctx)


@require_GET
@operator_only
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    payments = list(Payment.objects.filter(order=order).order_by("created_at", "pk"))
    refunds = Refund.objects.filter(payment__order=order).select_related("payment")
    audit = (AuditLog.objects.filter(
        Q(object_type="Order", object_id=str(order.pk))
        | Q(object_type="Payment", object_id__in=[str(p.pk) for p in payments]))
        .select_related("actor").order_by("-at", "-pk"))
    ctx = {
        "nav": "orders", "order": order,
        "lines": order.lines.select_related("sku").all(),
        "payments": payments, "refunds": refunds.order_by("created_at"),
        "history": order.history.select_related("actor").all(),
        "audit": audit, "consignee_masked": mask_name(order.consignee),
        "after_sales": order.after_sales.prefetch_related("lines__line").all(),
    }
    return render(request, "ops/order_detail.html", ctx)


def _ship(order: Order, request: HttpRequest) -> str:
    # The warehouse's flow in one step: waybill, pick, pack, exit record, gate.
    from shequn.logistics import outbound

    outbound.ship_order(request.user, order.pk)
    return _("Shipped")


def _deliver(order: Order, request: HttpRequest) -> str:
    from shequn.logistics import outbound

    outbound.mark_delivered(request.user, order.pk)
    return _("Delivered")


def _clear_hold(order: Order, request: HttpRequest) -> str:
    note = request.POST.get("reason", "").strip()
    if not note:
        raise CommonError.REASON_REQUIRED.error()
    order_services.clear_hold(order.pk, request.user, note[:150])
    return _("Hold cleared")


def _refund(order: Order, request: HttpRequest) -> str:
    reason = request.POST.get("reason", "").strip()
    if not reason:
        raise CommonError.REASON_REQUIRED.error()
    from shequn.customs.ops import ensure_refundable

    ensure_refundable(order)
    payment_services.refund_order(order.pk, actor=request.user, reason=reason[:200])
    return _("Refunded")


def _decide_return(approve: bool) -> Callable[[Order, HttpRequest], str]:
    def run(order: Order, request: HttpRequest) -> str:
        from shequn.orders import returns
        from shequn.orders.errors import OrderError

        raw = request.POST.get("after_sale", "")
        number = whole_number(raw)
        after_sale = order.after_sales.filter(pk=number).first() if number is not None else None
        if after_sale is None:
            raise OrderError.AFTER_SALE_NOT_FOUND.error()
        note = request.POST.get("reason", "").strip()
        if not approve and not note:
            raise CommonError.REASON_REQUIRED.error()
        returns.decide_return(request.user, after_sale.pk, approve=approve, note=note[:200])
        return _("Return approved") if approve else _("Return rejected")
    return run


ACTIONS: dict[str, Callable[[Order, HttpRequest], str]] = {
    "ship": _ship, "deliver": _deliver, "clear-hold": _clear_hold, "refund": _refund,
    "return-approve": _decide_return(True), "return-reject": _decide_return(False),
}


@require_POST
@operator_only
def order_action(request: HtmxHttpRequest, number: str, action: str) -> HttpResponse:
    """Run one operator action. htmx gets the order card back (with the outcome
    or the domain error inline); a plain form post is redirected back."""
    run = ACTIONS.get(action)
    if run is None:
        raise Http404("unknown action")
    order = _order_or_404(number)
    status, ok, error = 200, "", None
    try:
        ok = run(order, request)
    except DomainError as err:
        log.info("ops %s %s refused: %s", action, number, err.code)
        status, error = err.status, err
    if not request.htmx:
        if error is not None:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{number} {ok}")
        back = request.POST.get("next", "")
        if back != "list":
            return redirect(reverse("ops:order", args=[number]))
        return redirect(reverse("ops:orders"))
    order = _order_or_404(number)
    return render(request, "ops/_order_card.html",
                  {"order": order, "ok": ok, "error": error}, status=status)


@require_GET
@operator_only
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditLog.objects.select_related("actor").order_by("-at", "-pk")[:200]
    return render(request, "ops/audit.html", {"nav": "audit", "entries": entries})


# The outbox pages (events by state, dead letters) live in outbox_views.py.
