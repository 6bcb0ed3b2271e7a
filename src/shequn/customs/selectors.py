"""Customs reads for people: the ops console (declarations by state, stuck ones,
rejections, messages that did not go out, payment-to-release times) and the
buyer's clearance timeline. Nothing here changes state."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import CharField, Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from shequn.core import clock
from shequn.core.models import OutboxEvent
from shequn.customs import events, states
from shequn.customs.models import Declaration, Message, PaymentDeclaration, Receipt
from shequn.orders.models import Order

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = Declaration.State
# Not yet released and not ended: a declaration customs still has to move.
WAITING = (D.DECLARING, D.ACCEPTED, D.REVIEW, D.INSPECTION)
SEND_TOPIC = events.SEND
# Receipt.kind of the records that move a declaration: services stores the
# record class name; the CEB message code is accepted too.
INVENTORY_RECEIPTS = frozenset({"InventoryReturn", "CEB622"})
CANCEL_RECEIPTS = frozenset({"InvtCancelReturn", "CEB624"})


# --------------------------------------------------------------------------- console

def state_counts() -> list[dict[str, Any]]:
    """One row per declaration state, in the order of the state machine."""
    counts = dict(Declaration.objects.values_list("state").annotate(n=Count("pk")).order_by())
    return [{"state": value, "label": label, "n": counts.get(value, 0)}
            for value, label in D.choices]


def declarations(state: str = "", q: str = "") -> QuerySet[Declaration]:
    """Declarations newest first, optionally of one state and/or whose order
    number (or copNo / invtNo) contains ``q``."""
    qs = Declaration.objects.select_related("order").order_by("-created_at", "-pk")
    if state:
        qs = qs.filter(state=state)
    q = q.strip()[:30]
    if q:
        qs = qs.filter(Q(order__number__icontains=q) | Q(cop_no__icontains=q)
                       | Q(invt_no__icontains=q))
    return qs


def stuck(minutes: int, now: dt.datetime | None = None) -> QuerySet[Declaration]:
    """Declarations customs still has to move (not released, not ended) whose
    state has not changed and that received no receipt for ``minutes``. Oldest
    first: the longest wait is the most urgent."""
    cutoff = (now or clock.now()) - dt.timedelta(minutes=minutes)
    return (Declaration.objects.filter(state__in=WAITING, changed_at__lt=cutoff)
            .annotate(last_receipt=Max("receipts__received_at"))
            .filter(Q(last_receipt__isnull=True) | Q(last_receipt__lt=cutoff))
            .select_related("order").order_by("changed_at", "pk"))


def rejections() -> QuerySet[Declaration]:
    return (Declaration.objects.filter(state=D.REJECTED).select_related("order")
            .order_by("-changed_at", "-pk"))


def _open_send_events() -> QuerySet[OutboxEvent]:
    """The unfinished ``customs.send`` events of the message in the outer query."""
    return OutboxEvent.objects.filter(
        topic=SEND_TOPIC, aggregate=events.MESSAGE, processed_at__isnull=True,
        aggregate_id=Cast(OuterRef("pk"), output_field=CharField())).order_by("-pk")


def with_send_status(qs: QuerySet[Message]) -> QuerySet[Message]:
    """Annotate each message with its unfinished, failing send event (if any):
    ``send_attempts``, ``send_error``, ``send_dead_at`` (None when there is none)."""
    failing_send = _open_send_events().filter(attempts__gt=0)
    return qs.annotate(send_attempts=Subquery(failing_send.values("attempts")[:1]),
                       send_error=Subquery(failing_send.values("last_error")[:1]),
                       send_dead_at=Subquery(failing_send.values("dead_at")[:1]))


def messages_of(declaration: Declaration) -> list[Message]:
    return list(with_send_status(Message.objects.filter(declaration=declaration))
                .order_by("pk"))


def failing_messages(include_cancelled: bool = False) -> QuerySet[Message]:
    """Messages that did not go out: refused by customs (CEB900: ``failed``) or
    still queued with failed send attempts (retrying, or a dead letter), or
    stuck handing over (an attempt older than ``states.SEND_STALE_SECONDS``). A
    failed hand-over is recorded on the message and on its outbox event, whose
    retry schedule is read too: ``send_attempts``, ``send_error``,
    ``send_dead_at``. Messages an operator gave up on (``cancelled``) are left
    out unless asked for."""
    stale = clock.now() - dt.timedelta(seconds=states.SEND_STALE_SECONDS)
    wanted = (Q(state=Message.State.FAILED)
              | Q(state=Message.State.QUEUED, attempts__gt=0)
              | Q(state=Message.State.QUEUED, send_attempts__isnull=False)
              | Q(state=Message.State.SENDING, attempted_at__lt=stale))
    if include_cancelled:
        wanted |= Q(state=Message.State.CANCELLED)
    return (with_send_status(Message.objects.all()).filter(wanted)
            .select_related("declaration__order").order_by("-pk"))


def is_cancelled(message: Message) -> bool:
    return message.state == Message.State.CANCELLED


def declaration_for_number(number: str) -> Declaration | None:
    return (Declaration.objects.select_related("order")
            .filter(order__number=number.strip()[:30]).first())


@dataclass(frozen=True)
class Transition:
    """One state change a receipt made, replayed from the receipts."""
    from_state: str
    to_state: str
    status: str
    return_time: str
    info: str
    received_at: dt.datetime

    @property
    def label(self) -> str:
        return str(D(self.to_state).label)


def receipts_of(declaration: Declaration) -> list[Receipt]:
    """Receipts for one declaration in customs' order (returnTime), then arrival."""
    return list(Receipt.objects.filter(declaration=declaration)
                .order_by("return_time", "received_at", "pk"))


def history(receipts: Iterable[Receipt]) -> list[Transition]:
    """The state changes, replayed with the same state machine the service
    applies, in the order the receipts were applied (arrival order)."""
    state, status = str(D.DECLARING), ""
    out: list[Transition] = []
    applied = sorted((r for r in receipts if r.outcome == Receipt.Outcome.APPLIED),
                     key=lambda r: (r.received_at, r.pk))
    for r in applied:
        if r.kind in INVENTORY_RECEIPTS:
            to = states.next_state(state, status, r.return_status)
            if to is None:
                continue
            status = r.return_status
        elif r.kind in CANCEL_RECEIPTS and states.cancel_outcome(r.return_status) == "approved":
            if state in states.FINAL:
                continue
            to = str(D.CANCELLED)
        else:
            continue
        if to != state:
            out.append(Transition(state, to, r.return_status, r.return_time, r.return_info,
                                  r.received_at))
        state = to
    return out


# --------------------------------------------------------------------------- SLA chart

def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks — what PostgreSQL's
    PERCENTILE_CONT computes — so both databases show the same figures."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _first_day(days: int, now: dt.datetime | None) -> tuple[dt.date, dt.datetime]:
    today = (now or clock.now()).astimezone(SHANGHAI).date()
    first = today - dt.timedelta(days=days - 1)
    return first, dt.datetime.combine(first, dt.time.min, tzinfo=SHANGHAI)


def _minutes_by_day_python(since: dt.datetime) -> dict[dt.date, list[float]]:
    rows = (Declaration.objects.filter(released_at__gte=since, order__paid_at__isnull=False)
            .values_list("released_at", "order__paid_at"))
    by_day: dict[dt.date, list[float]] = defaultdict(list)
    for released, paid in rows:
        if released is not None and paid is not None:  # both filtered; for the type checker
            by_day[released.astimezone(SHANGHAI).date()].append(
                (released - paid).total_seconds() / 60)
    return by_day


def _percentiles_python(since: dt.datetime
                        ) -> dict[dt.date, tuple[int, float | None, float | None]]:
    return {day: (len(values), percentile(values, 0.5), percentile(values, 0.95))
            for day, values in _minutes_by_day_python(since).items()}


def _percentiles_postgres(since: dt.datetime
                          ) -> dict[dt.date, tuple[int, float | None, float | None]]:
    """The same figures computed by PostgreSQL (no rows shipped to Python)."""
    # Table names come from model metadata, the only value is a parameter.
    declaration, order = Declaration._meta.db_table, Order._meta.db_table
    sql = (
        "SELECT (d.released_at AT TIME ZONE 'Asia/Shanghai')::date AS day, COUNT(*),"  # noqa: S608
        " PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY"
        "   EXTRACT(EPOCH FROM d.released_at - o.paid_at) / 60.0),"
        " PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY"
        "   EXTRACT(EPOCH FROM d.released_at - o.paid_at) / 60.0)"
        f" FROM {declaration} d JOIN {order} o ON o.id = d.order_id"
        " WHERE d.released_at >= %s AND o.paid_at IS NOT NULL GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [since])
        return {day: (int(n), float(p50), float(p95)) for day, n, p50, p95 in cursor.fetchall()}


def release_times(days: int = 14, now: dt.datetime | None = None,
                  use_sql: bool | None = None) -> list[dict[str, Any]]:
    """Payment-to-release minutes per Asia/Shanghai day (the day of release) for
    the last ``days`` days, today included: how many were released, p50, p95
    (None on a day without releases). PostgreSQL computes the percentiles
    (PERCENTILE_CONT); other databases in Python with the same interpolation."""
    first, since = _first_day(days, now)
    if use_sql is None:
        use_sql = connection.vendor == "postgresql"
    by_day = _percentiles_postgres(since) if use_sql else _percentiles_python(since)
    series = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        n, p50, p95 = by_day.get(day, (0, None, None))
        series.append({"day": day.isoformat(), "n": n,
                       "p50": None if p50 is None else round(p50, 1),
                       "p95": None if p95 is None else round(p95, 1)})
    return series


# --------------------------------------------------------------------------- buyer

@dataclass(frozen=True)
class ClearanceStep:
    key: str
    label: str
    done: bool
    at: dt.datetime | None = None


@dataclass(frozen=True)
class Clearance:
    """What the buyer's order page shows: the steps and, when clearance did not
    end in release, one plain sentence why."""
    state: str
    steps: list[ClearanceStep] = field(default_factory=list)
    ended: str = ""          # "rejected" / "cancelled" / ""
    headline: str = ""       # e.g. "Customs rejected the order; refund in progress"
    reason: str = ""
    at: dt.datetime | None = None


_DESC = re.compile(r"Desc:([^;\]]+)")


def plain_reason(info: str) -> str:
    """Customs writes reasons like ``[Code:2101;Desc:风险布控退单]``; people read
    the description."""
    found = _DESC.findall(info or "")
    return "；".join(s.strip() for s in found if s.strip()) or (info or "").strip()


def _reviewed_at(receipts: Iterable[Receipt]) -> dt.datetime | None:
    """When customs first took the declaration in (120 or any later step)."""
    times = [r.received_at for r in receipts
             if r.kind in INVENTORY_RECEIPTS and r.outcome == Receipt.Outcome.APPLIED
             and states.rank(r.return_status) >= states.rank("120")
             and states.rank(r.return_status) < states.REJECTED_RANK]
    return min(times) if times else None


# What the order list says about clearance, in the buyer's words (step keys of
# ClearanceStep, plus the two endings).
_BUYER_STEP: dict[str, str] = {
    D.DECLARING: "declaring", D.ACCEPTED: "review", D.REVIEW: "review", D.INSPECTION: "review",
    D.RELEASED: "released", D.CLOSED: "released", D.REJECTED: "rejected",
    D.CANCELLED: "cancelled"}


def clearance_labels(order_ids: Iterable[Any]) -> dict[Any, tuple[str, str]]:
    """(step key, label) of each declared order's clearance, by order id, in one query;
    orders never declared are absent."""
    labels = {"declaring": _("Declared to customs"), "review": _("Customs review"),
              "released": _("Released by customs"), "rejected": _("Customs rejected"),
              "cancelled": _("Declaration withdrawn")}
    rows = Declaration.objects.filter(order_id__in=list(order_ids)).values_list("order_id",
                                                                                "state")
    return {order_id: (_BUYER_STEP[state], labels[_BUYER_STEP[state]])
            for order_id, state in rows}


def clearance_for(order: Order) -> Clearance | None:
    """The clearance timeline of one order, or None when it was never declared."""
    declaration = Declaration.objects.filter(order_id=order.pk).first()
    if declaration is None:
        return None
    receipts = list(Receipt.objects.filter(declaration=declaration).order_by("received_at", "pk"))
    reviewed_at = _reviewed_at(receipts)
    state = declaration.state
    past_review = state in (D.ACCEPTED, D.REVIEW, D.INSPECTION, D.RELEASED, D.CLOSED)
    released = state in (D.RELEASED, D.CLOSED) or declaration.released_at is not None
    steps = [
        ClearanceStep("declaring", _("Declared to customs"), True, declaration.created_at),
        ClearanceStep("review", _("Customs review"), past_review or reviewed_at is not None,
                      reviewed_at),
        ClearanceStep("released", _("Released by customs"), released, declaration.released_at),
        ClearanceStep("shipped", _("Shipped"), order.shipped_at is not None, order.shipped_at),
    ]
    refunded = order.state == Order.State.REFUNDED
    if state == D.REJECTED:
        return Clearance(
            state=state, steps=[s for s in steps if s.done], ended="rejected",
            headline=(_("Customs rejected the order; paid back to your payment method")
                      if refunded else _("Customs rejected the order; refund in progress")),
            reason=plain_reason(declaration.status_info), at=declaration.changed_at)
    if state == D.CANCELLED:
        return Clearance(
            state=state, steps=[s for s in steps if s.done], ended="cancelled",
            headline=(_("Customs declaration withdrawn; paid back to your payment method")
                      if refunded else _("Customs declaration withdrawn; refund in progress")),
            reason=plain_reason(declaration.status_info), at=declaration.changed_at)
    return Clearance(state=state, steps=steps)


def payment_declarations_of(order_id: Any) -> QuerySet[PaymentDeclaration]:
    """The WeChat Pay payment declarations (支付单报关) of one order."""
    return (PaymentDeclaration.objects.select_related("payment")
            .filter(order_id=order_id).order_by("sub_order_no", "pk"))


def payment_declarations_by_order(order_ids: list[Any]) -> dict[Any, list[PaymentDeclaration]]:
    """The WeChat Pay payment declarations of these orders (a page of the
    console), by order id; orders paid otherwise are absent."""
    out: dict[Any, list[PaymentDeclaration]] = {}
    for pd in PaymentDeclaration.objects.filter(order_id__in=order_ids).order_by("pk"):
        out.setdefault(pd.order_id, []).append(pd)
    return out
