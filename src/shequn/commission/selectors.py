"""Reads for the leader console, the ops pages and the API. Balances are
always computed from the postings (the ledger is the truth)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from shequn.accounts import roles
from shequn.catalog.models import SKU, Product
from shequn.commission.models import (
    LEADER_ACCOUNTS,
    Account,
    CommissionLine,
    CommissionPlan,
    LeaderBalance,
    Posting,
    SettlementRun,
    Withdrawal,
)
from shequn.commission.policy import line_commission
from shequn.core import clock, pii
from shequn.core.money import q2
from shequn.distribution.models import LeaderProfile
from shequn.orders.models import AfterSale, Order

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balances:
    pending: Decimal
    available: Decimal
    frozen: Decimal  # requested withdrawals and approved ones not yet paid
    paid: Decimal  # net amount paid out to date

    def as_dict(self) -> dict[str, str]:
        return {k: f"{getattr(self, k):.2f}" for k in ("pending", "available", "frozen", "paid")}


def account_balances(leader_id: int) -> dict[str, Decimal]:
    """Minus the sum of each account's postings for this leader (credit-normal)."""
    rows = (Posting.objects.filter(leader_id=leader_id).values("account")
            .annotate(total=Sum("amount")))
    out = {str(a): ZERO for a in Account.values}
    for row in rows:
        out[row["account"]] = q2(-(row["total"] or ZERO))
    return out


def balances(leader: Any) -> Balances:
    leader_id = getattr(leader, "pk", leader)
    acc = account_balances(leader_id)
    return Balances(pending=acc[Account.PENDING], available=acc[Account.AVAILABLE],
                    frozen=acc[Account.FROZEN] + acc[Account.CLEARING],
                    paid=acc[Account.PAID])


def balance_row(leader: Any) -> Decimal:
    """The withdrawal balance row (equals balances().available; tested)."""
    row = LeaderBalance.objects.filter(leader_id=getattr(leader, "pk", leader)).first()
    return row.available if row else ZERO


def due_lines() -> QuerySet[CommissionLine]:
    """Pending lines the next settlement run settles: their order is completed and
    has no open return request (the same rule as the settlement statement)."""
    return (CommissionLine.objects.filter(state=CommissionLine.State.PENDING,
                                          order__state=Order.State.COMPLETED)
            .exclude(order__after_sales__state__in=(AfterSale.State.OPEN,
                                                    AfterSale.State.APPROVED)))


def unbalanced_entries() -> list[str]:
    """Journal entries whose postings do not sum to zero (should be none)."""
    return list(Posting.objects.values("entry").annotate(total=Sum("amount"))
                .exclude(total=0).values_list("entry", flat=True))


@dataclass(frozen=True)
class LineRow:
    id: int
    order_number: str
    buyer: str  # masked
    product: str
    qty: int
    base: Decimal
    amount: Decimal
    reversed_amount: Decimal
    clawed_amount: Decimal
    state: str
    state_label: str
    created_at: dt.datetime
    settled_at: dt.datetime | None
    # The name pages show (OrderLine.display_name: English on English pages when
    # the product has one); ``product`` stays the order line's snapshot.
    product_shown: str = ""


def lines_for_leader(leader: Any, *, state: str | None = None, limit: int = 50,
                     offset: int = 0) -> list[LineRow]:
    """A leader's own commission lines, newest first, buyer masked."""
    qs = (CommissionLine.objects.filter(leader_id=getattr(leader, "pk", leader))
          .select_related("order__user", "order_line__sku__product")
          .order_by("-created_at", "-id"))
    if state:
        qs = qs.filter(state=state)
    return [LineRow(id=c.pk, order_number=c.order.number,
                    buyer=pii.mask_user(c.order.user), product=c.order_line.name,
                    qty=c.qty, base=c.base, amount=c.amount,
                    reversed_amount=c.reversed_amount, clawed_amount=c.clawed_amount,
                    state=c.state, state_label=c.get_state_display(),
                    created_at=c.created_at, settled_at=c.settled_at,
                    product_shown=c.order_line.display_name)
            for c in qs[offset:offset + limit]]


def plan_for_product(product: Product) -> CommissionPlan | None:
    """The level-1 plan that applies: product > category > default."""
    plans = CommissionPlan.objects.filter(active=True, level=1)
    return (plans.filter(scope="product", product=product).first()
            or (plans.filter(scope="category", category_id=product.category_id).first()
                if product.category_id else None)
            or plans.filter(scope="default").first())


@dataclass(frozen=True)
class ProductCommission:
    product_id: int
    product: str
    price: Decimal  # lowest active SKU price
    plan_kind: str  # "rate" | "fixed" | "" (no plan)
    rate: Decimal
    fixed_amount: Decimal
    per_unit: Decimal  # what one unit at that price earns (tax-exclusive base)


def product_commissions(leader: Any = None, products: list[Product] | None = None
                        ) -> list[ProductCommission]:
    """What each product earns under the plans: the products the leader lists
    in their shops, or the given products (product picking)."""
    if products is None:
        products = list(Product.objects.filter(
            listings__shop__owner_id=getattr(leader, "pk", leader),
            listings__active=True).distinct().order_by("name"))
    plans = list(CommissionPlan.objects.filter(active=True, level=1))
    by_product = {p.product_id: p for p in plans if p.scope == "product"}
    by_category = {p.category_id: p for p in plans if p.scope == "category"}
    default = next((p for p in plans if p.scope == "default"), None)
    prices: dict[int, Decimal] = {}
    for sku in SKU.objects.filter(product__in=products, active=True).only("product_id",
                                                                          "price"):
        prices[sku.product_id] = min(prices.get(sku.product_id, sku.price), sku.price)
    out = []
    for product in products:
        plan = (by_product.get(product.pk) or by_category.get(product.category_id)
                or default)
        price = prices.get(product.pk, ZERO)
        per_unit = (line_commission(plan.kind, plan.rate, plan.fixed_amount, 1, price)
                    if plan and price > 0 else ZERO)
        out.append(ProductCommission(
            product_id=product.pk, product=product.name, price=price,
            plan_kind=plan.kind if plan else "", rate=plan.rate if plan else Decimal("0"),
            fixed_amount=plan.fixed_amount if plan else ZERO, per_unit=per_unit))
    return out


@dataclass(frozen=True)
class EarningsPoint:
    day: dt.date
    accrued: Decimal  # commission earned on the day's paid orders (net of reversals)
    settled: Decimal  # commission that settled that day
    orders: int


def earnings_series(leader: Any, days: int = 30) -> list[EarningsPoint]:
    """Daily earnings (Asia/Shanghai days) for the last ``days`` days, for charts."""
    leader_id = getattr(leader, "pk", leader)
    today = clock.now().astimezone(SHANGHAI).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=SHANGHAI)
    base = CommissionLine.objects.filter(leader_id=leader_id)
    accrued = {r["d"]: r for r in base.filter(created_at__gte=start)
               .annotate(d=TruncDate("created_at", tzinfo=SHANGHAI)).values("d")
               .annotate(total=Sum("amount"), rev=Sum("reversed_amount"),
                         orders=Count("order_id", distinct=True))}
    settled = {r["d"]: r["total"] for r in base.filter(settled_at__gte=start)
               .annotate(d=TruncDate("settled_at", tzinfo=SHANGHAI)).values("d")
               .annotate(total=Sum("amount") - Sum("reversed_amount"))}
    out = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        row = accrued.get(day)
        out.append(EarningsPoint(
            day=day,
            accrued=q2((row["total"] or ZERO) - (row["rev"] or ZERO)) if row else ZERO,
            settled=q2(settled.get(day) or ZERO), orders=row["orders"] if row else 0))
    return out


@dataclass(frozen=True)
class PeriodSummary:
    days: int
    orders: int  # attributed paid orders that earn commission
    sales: Decimal  # their commission base (goods paid, after discounts, no tax/freight)
    earned: Decimal  # commission on them, net of reversals
    pending: Decimal  # of which still pending
    settled: Decimal  # commission that settled in the period (any order)


def period_summary(leader: Any, days: int) -> PeriodSummary:
    """Dashboard figures for today (days=1), 7 or 30 days (Asia/Shanghai days)."""
    leader_id = getattr(leader, "pk", leader)
    today = clock.now().astimezone(SHANGHAI).date()
    start = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time.min,
                                tzinfo=SHANGHAI)
    lines = CommissionLine.objects.filter(leader_id=leader_id, level=1, created_at__gte=start)
    agg = lines.aggregate(orders=Count("order_id", distinct=True), sales=Sum("base"),
                          gross=Sum("amount"), rev=Sum("reversed_amount"),
                          pending=Sum("amount", filter=Q(state="pending")),
                          pending_rev=Sum("reversed_amount", filter=Q(state="pending")))
    settled = CommissionLine.objects.filter(
        leader_id=leader_id, settled_at__gte=start).aggregate(
        gross=Sum("amount"), rev=Sum("reversed_amount"))
    return PeriodSummary(
        days=days, orders=agg["orders"] or 0, sales=q2(agg["sales"] or ZERO),
        earned=q2((agg["gross"] or ZERO) - (agg["rev"] or ZERO)),
        pending=q2((agg["pending"] or ZERO) - (agg["pending_rev"] or ZERO)),
        settled=q2((settled["gross"] or ZERO) - (settled["rev"] or ZERO)))


def withdrawals_for_leader(leader: Any) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(leader_id=getattr(leader, "pk", leader))


def withdrawals_for_ops(state: str | None = None) -> QuerySet[Withdrawal]:
    qs = Withdrawal.objects.select_related("leader", "decided_by")
    return qs.filter(state=state) if state else qs


def settlement_runs(limit: int = 50) -> QuerySet[SettlementRun]:
    return SettlementRun.objects.all()[:limit]


def leader_totals(leader: Any) -> dict[str, Any]:
    """Counts by state, for dashboards."""
    leader_id = getattr(leader, "pk", leader)
    agg = CommissionLine.objects.filter(leader_id=leader_id).aggregate(
        pending=Count("id", filter=Q(state="pending")),
        settled=Count("id", filter=Q(state="settled")),
        reversed=Count("id", filter=Q(state="reversed")))
    return agg


__all__ = [
    "LEADER_ACCOUNTS",
    "Balances",
    "EarningsPoint",
    "LineRow",
    "PeriodSummary",
    "ProductCommission",
    "account_balances",
    "balance_row",
    "balances",
    "earnings_series",
    "leader_totals",
    "lines_for_leader",
    "period_summary",
    "plan_for_product",
    "product_commissions",
    "settlement_runs",
    "unbalanced_entries",
    "withdrawals_for_leader",
    "withdrawals_for_ops",
]


def may_access_earnings(user: Any) -> bool:
    """Earnings, balances and withdrawal requests stay open after the LEADER role
    is gone: a terminated leader's pending lines still settle into money that is
    theirs. Open to the LEADER role, to a terminated leader, and to anyone
    with commission postings (a frozen leader sees their money; commission
    refuses their withdrawals). A pending or rejected application never made a
    leader: refused, like the rest of the console."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if roles.has_role(user, roles.LEADER):
        return True
    if LeaderProfile.objects.filter(user_id=user.pk,
                                    status=LeaderProfile.Status.TERMINATED).exists():
        return True
    return Posting.objects.filter(leader_id=user.pk).exists()
