"""The only code that changes commission state. Each public function is one
transaction (``payout_withdrawal`` is the one orchestrator: it calls the payout
provider outside any transaction, then records the result in one).

Ledger flows (debit +, credit −; see models.Posting):
    accrue      Dr expense       Cr pending        order paid
    reverse     Dr pending       Cr expense        refund/return before settlement
    settle      Dr pending       Cr available      order completed
    clawback    Dr available     Cr expense        refund/return after settlement
    request     Dr available     Cr frozen         leader asks for a withdrawal
    reject      Dr frozen        Cr available      operator rejects
    approve     Dr frozen        Cr clearing       operator approves, payout sent
    paid        Dr clearing      Cr paid, Cr fees  provider confirms
    failed      Dr clearing      Cr available      provider refuses: funds back
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Sum

from shequn.accounts import roles
from shequn.catalog.models import Category, Product
from shequn.commission import conf, ledger, selectors, sql
from shequn.commission.errors import CommissionError
from shequn.commission.models import (
    Account,
    CommissionLine,
    CommissionPlan,
    LeaderBalance,
    PolicySetting,
    Posting,
    SettlementRun,
    Withdrawal,
)
from shequn.commission.payout import PayoutResult, get_provider
from shequn.commission.policy import PlanTerms, check_plan
from shequn.core import audit, clock
from shequn.core.httpinput import whole_number, without_controls
from shequn.core.money import CENT, parse_money, q2
from shequn.orders.models import AfterSale, AfterSaleLine, Order

log = logging.getLogger("shequn.commission")
A = Account
L = CommissionLine.State
W = Withdrawal.State

# ---------------------------------------------------------------- policy + plans


def _require_operator(actor: Any) -> None:
    if not roles.has_role(actor, roles.OPERATOR):
        raise CommissionError.NOT_OPERATOR.error()


def max_levels() -> int:
    """Levels the jurisdiction in force allows (1 unless an operator set otherwise)."""
    setting = PolicySetting.objects.order_by("-set_at", "-id").first()
    return setting.max_levels if setting else 1


@transaction.atomic
def set_jurisdiction(actor: Any, jurisdiction: str, max_levels: int, reason: str
                     ) -> PolicySetting:
    """Operator switch for another jurisdiction's rules. Mainland China ("CN")
    is always one level. Lowering the limit deactivates plans above it."""
    _require_operator(actor)
    jurisdiction = (jurisdiction or "").strip().upper()
    if not reason.strip():
        raise CommissionError.REASON_REQUIRED.error()
    if not (2 <= len(jurisdiction) <= 8) or max_levels not in (1, 2):
        raise CommissionError.BAD_JURISDICTION.error(jurisdiction=jurisdiction,
                                                     max_levels=max_levels)
    if jurisdiction == "CN" and max_levels != 1:
        raise CommissionError.PLAN_PAYS_UPLINE.error(clause="第七条第（三）项",
                                                     jurisdiction=jurisdiction)
    setting = PolicySetting.objects.create(jurisdiction=jurisdiction, max_levels=max_levels,
                                           reason=reason.strip()[:500], set_by=actor,
                                           set_at=clock.now())
    dropped = CommissionPlan.objects.filter(active=True, level__gt=max_levels).update(
        active=False)
    audit.record(actor, "commission.jurisdiction", setting, jurisdiction=jurisdiction,
                 max_levels=max_levels, reason=reason, plans_deactivated=dropped)
    return setting


def _decimal(raw: Any, field: str) -> Decimal:
    try:
        return parse_money(raw)
    except ValueError:
        raise CommissionError.PLAN_INVALID.error(**{field: raw}) from None


@transaction.atomic
def create_plan(actor: Any, *, scope: str, kind: str, rate: Any = "0",
                fixed_amount: Any = "0", product: Product | None = None,
                category: Category | None = None, level: int = 1,
                per_recruit_bonus: Any = "0", join_fee: Any = "0") -> CommissionPlan:
    """Create the plan for a target (product, category or the default); it
    replaces the active plan of that target. Refused by the policy check when
    it pays an upline, per recruit, or charges to join."""
    _require_operator(actor)
    terms = PlanTerms(kind=kind, rate=_decimal(rate, "rate"),
                      fixed_amount=_decimal(fixed_amount, "fixed_amount"), level=level,
                      per_recruit_bonus=_decimal(per_recruit_bonus, "per_recruit_bonus"),
                      join_fee=_decimal(join_fee, "join_fee"))
    check_plan(terms, max_levels())
    S = CommissionPlan.Scope
    if scope not in S.values or (scope == S.PRODUCT) != (product is not None) or (
            scope == S.CATEGORY) != (category is not None):
        raise CommissionError.PLAN_INVALID.error(scope=scope)
    CommissionPlan.objects.filter(scope=scope, product=product, category=category,
                                  level=level, active=True).update(active=False)
    plan = CommissionPlan.objects.create(
        scope=scope, kind=kind, rate=terms.rate, fixed_amount=terms.fixed_amount,
        product=product, category=category, level=level, created_by=actor,
        created_at=clock.now())
    audit.record(actor, "commission.plan", plan, scope=scope, kind=kind, rate=terms.rate,
                 fixed_amount=terms.fixed_amount, level=level,
                 target=(product or category or "default"))
    return plan


@transaction.atomic
def deactivate_plan(actor: Any, plan_id: int) -> CommissionPlan:
    _require_operator(actor)
    plan = CommissionPlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise CommissionError.PLAN_NOT_FOUND.error()
    plan.active = False
    plan.save(update_fields=["active"])
    audit.record(actor, "commission.plan_off", plan)
    return plan


# ---------------------------------------------------------------- accrual


def _params(**kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"true": True}
    if "order_id" in kw:
        out["order_id"] = Order._meta.pk.get_db_prep_value(kw.pop("order_id"), connection)
    out["now"] = connection.ops.adapt_datetimefield_value(clock.now())
    out.update(kw)
    return out


def _lock_order(order_id: Any) -> Decimal:
    """Accrual and reversals of one order take turns on the order's row, so a
    refund that commits while commission is being computed is never missed.
    Returns what the order has refunded through returns so far."""
    refunded = (Order.objects.select_for_update().filter(pk=order_id)
                .values_list("refunded_total", flat=True).first())
    return refunded or Decimal("0")


@transaction.atomic
def accrue_order(order_id: Any) -> None:
    """Pending commission for each line of a paid, attributed order: two
    statements whatever the number of lines; idempotent (unique per line and
    per posting key), so duplicate or late events change nothing. Returns
    refunded before the accrual ran (events out of order) are applied at once.
    Three statements (order lock, lines, postings), none of them in the payment's
    transaction: accrual runs from the outbox after the payment committed."""
    refunded = _lock_order(order_id)
    params = _params(order_id=order_id)
    with connection.cursor() as cur:
        cur.execute(sql.ACCRUE_LINES, params)
        if cur.rowcount == 0:
            return  # nothing to earn, or already accrued
        cur.execute(sql.ACCRUE_POSTINGS, params)
    if refunded <= 0:
        return
    for after_sale in AfterSale.objects.filter(order_id=order_id,
                                               state=AfterSale.State.REFUNDED):
        reverse_returned_lines(order_id, str(after_sale.pk), [
            {"line_id": str(ln.line_id), "qty": ln.qty} for ln in after_sale.lines.all()])


# ---------------------------------------------------------------- refunds


def _take_back(line: CommissionLine, amount: Decimal, entry: str) -> Decimal:
    """Reverse (pending) or claw back (settled) up to ``amount`` of one line."""
    if line.state == L.PENDING:
        amount = min(amount, line.amount - line.reversed_amount)
        if amount <= 0:
            return Decimal("0")
        ledger.book(entry, "reverse", line.leader_id,
                    [(A.PENDING, amount), (A.EXPENSE, -amount)], commission_line=line)
        line.reversed_amount += amount
        if line.reversed_amount >= line.amount:
            line.state = L.REVERSED
        line.save(update_fields=["reversed_amount", "state"])
        return amount
    if line.state == L.SETTLED:
        amount = min(amount, line.net - line.clawed_amount)
        if amount <= 0:
            return Decimal("0")
        ledger.book(entry, "clawback", line.leader_id,
                    [(A.AVAILABLE, amount), (A.EXPENSE, -amount)], commission_line=line)
        line.clawed_amount += amount
        line.save(update_fields=["clawed_amount"])
        return amount
    return Decimal("0")


@transaction.atomic
def reverse_order(order_id: Any) -> Decimal:
    """Full refund: reverse every unsettled line, claw back every settled one.
    Returns the amount taken back (0 on a duplicate)."""
    _lock_order(order_id)
    lines = list(CommissionLine.objects.select_for_update()
                 .filter(order_id=order_id).order_by("pk"))
    total = Decimal("0")
    for line in lines:
        entry = f"refund:{line.pk}"
        if Posting.objects.filter(entry=entry).exists():
            continue
        total += _take_back(line, line.net - line.clawed_amount, entry)
    return total


def _returned_qty(order_line_ids: list[Any]) -> dict[int, int]:
    """Units of each order line returned and refunded so far (all returns)."""
    rows = (AfterSaleLine.objects.filter(line_id__in=order_line_ids,
                                         after_sale__state=AfterSale.State.REFUNDED)
            .values("line_id").annotate(n=Sum("qty")))
    return {row["line_id"]: int(row["n"] or 0) for row in rows}


@transaction.atomic
def reverse_returned_lines(order_id: Any, return_id: str, lines: Sequence[Mapping[str, Any]]
                           ) -> Decimal:
    """Partial return: take back the commission of the returned units. Worked
    out from the running total of units returned, so several partial returns
    of one line together take back exactly its commission (no cent left to
    settle on goods that all came back) and an order discount, which lowers
    the base, cannot make a return take back more than its units earned.
    Idempotent per (return, line)."""
    _lock_order(order_id)
    by_line = {str(item["line_id"]): item for item in lines}
    locked = list(CommissionLine.objects.select_for_update()
                  .filter(order_id=order_id, order_line_id__in=list(by_line))
                  .order_by("pk"))
    returned = _returned_qty([line.order_line_id for line in locked])
    return_pk = whole_number(return_id)
    if not (return_pk is not None and AfterSale.objects.filter(
            pk=return_pk, state=AfterSale.State.REFUNDED).exists()):
        # A return the orders domain does not (yet) show as refunded: count the
        # units the event names on top of those it does.
        for key, item in by_line.items():
            returned[int(key)] = returned.get(int(key), 0) + int(item.get("qty", 0) or 0)
    total = Decimal("0")
    for line in locked:
        entry = f"return:{return_id}:{line.pk}"
        if line.qty <= 0 or Posting.objects.filter(entry=entry).exists():
            continue
        units = min(returned.get(line.order_line_id, 0), line.qty)
        if units <= 0:
            continue
        owed_back = line.amount if units >= line.qty else q2(line.amount * units / line.qty)
        share = owed_back - line.reversed_amount - line.clawed_amount
        if share > 0:
            total += _take_back(line, share, entry)
    return total


# ---------------------------------------------------------------- settlement


@transaction.atomic
def settle_due(*, record_empty: bool = False) -> SettlementRun | None:
    """Settle every pending line whose order is completed, set-based (one
    statement on PostgreSQL, four elsewhere), one journal entry per leader.
    Running it again settles nothing twice. Returns the run (None when nothing
    was due, unless ``record_empty``)."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [sql.SETTLE_LOCK_KEY])
    if not record_empty and not selectors.due_lines().exists():
        return None
    run = SettlementRun.objects.create(started_at=clock.now())
    params = _params(run=run.pk)
    with connection.cursor() as cur:
        if postgres:
            cur.execute(sql.SETTLE_PG, params)
        else:
            cur.execute(sql.SETTLE_CLAIM, params)
            if cur.rowcount:
                cur.execute(sql.SETTLE_POSTINGS, params)
                cur.execute(sql.SETTLE_BALANCES, params)
            cur.execute(sql.SETTLE_TOTALS, params)
        count, leaders, total = cur.fetchone()
    run.lines_settled, run.leaders = int(count), int(leaders)
    run.total = q2(Decimal(str(total)))
    run.finished_at = clock.now()
    run.save(update_fields=["lines_settled", "leaders", "total", "finished_at"])
    log.info("settlement run %s: %s lines, %s leaders, %s", run.pk, count, leaders, run.total)
    return run


def settle_job() -> object:
    """The periodic job (in-process worker in the demo, Celery beat later)."""
    return settle_due()


# ---------------------------------------------------------------- withdrawals


def parse_amount(raw: Any) -> Decimal:
    """A withdrawal amount from user input: positive, at most two decimals."""
    try:
        value = parse_money(raw)
    except ValueError:
        raise CommissionError.BAD_AMOUNT.error(amount=str(raw)[:40]) from None
    # The size first: quantize() of a number with more digits than the decimal
    # context holds raises InvalidOperation (a 500 on the form).
    if value <= 0 or value >= Decimal("1e11") or value != value.quantize(CENT):
        raise CommissionError.BAD_AMOUNT.error(amount=str(raw)[:40])
    return value


def withdrawal_fee(amount: Decimal) -> Decimal:
    return q2(amount * conf.decimal_setting("COMMISSION_WITHDRAWAL_FEE_RATE")
              + conf.decimal_setting("COMMISSION_WITHDRAWAL_FEE_FIXED"))


def _refuse_frozen(leader: Any) -> None:
    from shequn.distribution.models import LeaderProfile

    if LeaderProfile.objects.filter(user_id=leader.pk,
                                    status=LeaderProfile.Status.FROZEN).exists():
        raise CommissionError.LEADER_FROZEN.error()


@transaction.atomic
def request_withdrawal(leader: Any, amount: Any, *, request_key: str = "") -> Withdrawal:
    """Hold ``amount`` of the leader's available balance for a withdrawal. One
    conditional UPDATE on the balance row: concurrent requests cannot overdraw.
    With a ``request_key`` (the client's Idempotency-Key) a repeat of the same
    request returns the first withdrawal."""
    if not getattr(leader, "is_authenticated", False):
        raise CommissionError.NOT_LEADER.error()
    value = parse_amount(amount)
    # The key is opaque; control characters go (a NUL in an Idempotency-Key
    # header reached PostgreSQL text and was a 500).
    request_key = "".join(ch for ch in (request_key or "") if ch.isprintable()).strip()[:64]
    if request_key:
        # Serialise requests of one leader on their balance row, then look.
        LeaderBalance.objects.select_for_update().filter(leader_id=leader.pk).first()
        earlier = Withdrawal.objects.filter(leader_id=leader.pk,
                                            request_key=request_key).first()
        if earlier is not None:
            if earlier.amount != value:
                raise CommissionError.REQUEST_KEY_REUSED.error()
            return earlier
    _refuse_frozen(leader)
    minimum = conf.decimal_setting("COMMISSION_WITHDRAWAL_MIN")
    fee = withdrawal_fee(value)
    if value < minimum or fee >= value:
        raise CommissionError.BELOW_MINIMUM.error(minimum=minimum)
    held = LeaderBalance.objects.filter(leader_id=leader.pk, available__gte=value).update(
        available=F("available") - value)
    if held != 1:
        raise CommissionError.INSUFFICIENT_BALANCE.error()
    w = Withdrawal.objects.create(leader=leader, amount=value, fee=fee, net=value - fee,
                                  requested_at=clock.now(), request_key=request_key)
    # The balance row is already debited; book the postings without touching it.
    Posting.objects.bulk_create([
        Posting(entry=f"wd:{w.pk}:request", seq=1, kind="request", account=A.AVAILABLE,
                leader_id=leader.pk, amount=value, at=w.requested_at, withdrawal=w),
        Posting(entry=f"wd:{w.pk}:request", seq=2, kind="request", account=A.FROZEN,
                leader_id=leader.pk, amount=-value, at=w.requested_at, withdrawal=w)])
    return w


def _withdrawal_pk(raw: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise CommissionError.WITHDRAWAL_NOT_FOUND.error() from None


def _lock_withdrawal(withdrawal_id: Any) -> Withdrawal:
    w = Withdrawal.objects.select_for_update().filter(pk=_withdrawal_pk(withdrawal_id)).first()
    if w is None:
        raise CommissionError.WITHDRAWAL_NOT_FOUND.error()
    return w


def _decide(actor: Any, withdrawal_id: Any) -> Withdrawal:
    _require_operator(actor)
    w = _lock_withdrawal(withdrawal_id)
    if w.leader_id == actor.pk:
        raise CommissionError.OWN_WITHDRAWAL.error()
    if w.state != W.REQUESTED:
        raise CommissionError.WITHDRAWAL_STATE.error(state=w.state)
    return w


@transaction.atomic
def approve_withdrawal(actor: Any, withdrawal_id: Any) -> Withdrawal:
    """Maker-checker: an operator other than the leader approves; the money
    moves to payout clearing and the payout job sends it."""
    w = _decide(actor, withdrawal_id)
    w.state, w.decided_by, w.decided_at = W.APPROVED, actor, clock.now()
    w.save(update_fields=["state", "decided_by", "decided_at"])
    ledger.book(f"wd:{w.pk}:approve", "approve", w.leader_id,
                [(A.FROZEN, w.amount), (A.CLEARING, -w.amount)], withdrawal=w)
    audit.record(actor, "commission.withdrawal_approve", w, leader=w.leader_id,
                 amount=w.amount)
    return w


@transaction.atomic
def reject_withdrawal(actor: Any, withdrawal_id: Any, reason: str) -> Withdrawal:
    reason = without_controls(reason or "")  # a NUL cannot be stored (was a 500)
    if not reason.strip():
        raise CommissionError.REASON_REQUIRED.error()
    w = _decide(actor, withdrawal_id)
    w.state, w.decided_by, w.decided_at = W.REJECTED, actor, clock.now()
    w.reason, w.finished_at = reason.strip()[:500], w.decided_at
    w.save(update_fields=["state", "decided_by", "decided_at", "reason", "finished_at"])
    ledger.book(f"wd:{w.pk}:reject", "reject", w.leader_id,
                [(A.FROZEN, w.amount), (A.AVAILABLE, -w.amount)], withdrawal=w)
    audit.record(actor, "commission.withdrawal_reject", w, leader=w.leader_id,
                 amount=w.amount, reason=reason)
    return w


@transaction.atomic
def record_payout(withdrawal_id: Any, result: PayoutResult) -> Withdrawal:
    """Apply the provider's answer once; a repeated answer changes nothing."""
    w = _lock_withdrawal(withdrawal_id)
    if w.state != W.APPROVED:
        return w
    w.finished_at = clock.now()
    if result.ok:
        w.state, w.payout_ref = W.PAID, result.ref[:64]
        legs = [(A.CLEARING, w.amount), (A.PAID, -w.net)]
        if w.fee:
            legs.append((A.FEES, -w.fee))
        ledger.book(f"wd:{w.pk}:paid", "paid", w.leader_id, legs, withdrawal=w)
    else:
        w.state, w.failure = W.FAILED, result.error[:500]
        ledger.book(f"wd:{w.pk}:failed", "failed", w.leader_id,
                    [(A.CLEARING, w.amount), (A.AVAILABLE, -w.amount)], withdrawal=w)
    w.save(update_fields=["state", "payout_ref", "failure", "finished_at"])
    return w


def payout_withdrawal(withdrawal_id: Any) -> Withdrawal:
    """Send an approved withdrawal to the payout provider (no transaction or
    lock is held across the call; the provider is idempotent by request id,
    so a retry after a crash pays once), then record the result."""
    w = Withdrawal.objects.filter(pk=_withdrawal_pk(withdrawal_id)).first()
    if w is None:
        raise CommissionError.WITHDRAWAL_NOT_FOUND.error()
    if w.state != W.APPROVED:
        return w
    result = get_provider().pay(str(w.pk), w.leader_id, w.net)
    return record_payout(w.pk, result)


def payout_job(limit: int = 100) -> int:
    """Periodic: send approved withdrawals that have no result yet."""
    ids = list(Withdrawal.objects.filter(state=W.APPROVED).order_by("decided_at")
               .values_list("pk", flat=True)[:limit])
    for pk in ids:
        try:
            payout_withdrawal(pk)
        except Exception:
            log.exception("payout of withdrawal %s failed; will retry", pk)
    return len(ids)
