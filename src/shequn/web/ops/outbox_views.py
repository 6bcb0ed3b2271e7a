"""Ops outbox console: events by state (pending / relayed / processed / dead /
cancelled), filters, the last error, and the dead-letter actions resend and
cancel (outbox.resend / outbox.discard; both audit-logged). Operators only."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.roles import OPERATOR, role_required
from shequn.core import outbox
from shequn.core.errors import DomainError
from shequn.core.httpinput import whole_number
from shequn.core.models import OutboxEvent

log = logging.getLogger("shequn.web.ops")

operator_only = role_required(OPERATOR)
PAGE_SIZE = 50

# (value, label) in the order shown in the filter.
STATES = [
    ("open", pgettext_lazy("outbox", "Open")),
    ("pending", pgettext_lazy("outbox", "Pending")),
    ("relayed", pgettext_lazy("outbox", "Relayed")),
    ("failing", pgettext_lazy("outbox", "Retrying")),
    ("dead", pgettext_lazy("outbox", "Dead")),
    ("processed", pgettext_lazy("outbox", "Processed")),
    ("discarded", pgettext_lazy("outbox", "Cancelled")),
]
STATE_LABELS = dict(STATES)
# Reuse the console's order-state colours (console.css) for the event states.
STATE_CSS = {"pending": "state-pending_payment", "relayed": "state-paid",
             "processed": "state-completed", "dead": "state-refunded",
             "discarded": "state-cancelled"}


def _filtered(state: str, topic: str, q: str) -> QuerySet[OutboxEvent]:
    qs = OutboxEvent.objects.order_by("-pk")
    if state:
        qs = outbox.in_state(state, qs)
    if topic:
        qs = qs.filter(topic=topic)
    if q:
        match = Q(aggregate_id=q) | Q(topic__icontains=q)
        if whole_number(q) is not None:
            match |= Q(pk=whole_number(q))
        qs = qs.filter(match)
    return qs


@require_GET
@operator_only
def outbox_events(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if request.GET.get("pending") == "1":  # old link from the dashboard
        state = "open"
    if state not in outbox.STATES:
        state = ""
    topic = request.GET.get("topic", "").strip()[:80]
    q = request.GET.get("q", "").strip()[:64]
    page = Paginator(_filtered(state, topic, q), PAGE_SIZE).get_page(request.GET.get("page"))
    events = list(page.object_list)
    # Topics offered in the filter: those present in the chosen state.
    in_state = outbox.in_state(state) if state else OutboxEvent.objects.all()
    topics = in_state.order_by("topic").values_list("topic", flat=True).distinct()
    ctx = {"nav": "outbox", "page": page, "events": events, "backlog": outbox.backlog(),
           "state": state, "topic": topic, "q": q, "states": STATES, "topics": list(topics),
           "max_attempts": outbox.MAX_ATTEMPTS}
    return render(request, "ops/outbox.html", ctx)


@require_GET
@operator_only
def outbox_event(request: HttpRequest, pk: int) -> HttpResponse:
    event = OutboxEvent.objects.filter(pk=pk).first()
    if event is None:
        raise Http404("event not found")
    return render(request, "ops/outbox_event.html",
                  {"nav": "outbox", "event": event,
                   "max_attempts": outbox.MAX_ATTEMPTS})


@require_POST
@operator_only
def outbox_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Resend or cancel a dead letter; back to where the operator came from."""
    reason = request.POST.get("reason", "")
    try:
        if action == "resend":
            outbox.resend(pk, request.user, note=reason)
            messages.success(request, _("#%(pk)s resent") % {"pk": pk})
        elif action == "cancel":
            outbox.discard(pk, request.user, reason)
            messages.success(request, _("#%(pk)s cancelled") % {"pk": pk})
        else:
            raise Http404("unknown action")
    except DomainError as err:
        log.info("ops outbox %s #%s refused: %s", action, pk, err.code)
        messages.error(request, err.message)
    back = request.POST.get("next", "")
    if back.startswith(reverse("ops:outbox")) and "//" not in back:
        return redirect(back)
    return redirect(reverse("ops:outbox_event", args=[pk]))
