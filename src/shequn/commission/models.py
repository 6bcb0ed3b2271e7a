"""Commission money: plans, per-line commission, the append-only double-entry
ledger, settlement runs and withdrawals (decision 0002: `commission` is the money,
`distribution` is the network)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from shequn.catalog.models import Category, Product
from shequn.orders.models import Order, OrderLine

ZERO = Decimal("0.00")


def _money(**kw: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kw)


class PolicySetting(models.Model):
    """The jurisdiction the commission policy follows. Append-only history: the
    newest row is in force. Without any row the mainland-China policy applies
    (one level, the attributed leader on their own sales)."""

    jurisdiction = models.CharField(max_length=8, default="CN")
    max_levels = models.PositiveSmallIntegerField(default=1)
    reason = models.CharField(max_length=500)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["-set_at", "-id"]


class CommissionPlan(models.Model):
    """A rate or a fixed amount per unit for one product, one category, or the
    platform default. Resolution: product > category > default. At most one
    active plan per target and level."""

    class Scope(models.TextChoices):
        PRODUCT = "product", "商品"
        CATEGORY = "category", "类目"
        DEFAULT = "default", "平台默认"

    class Kind(models.TextChoices):
        RATE = "rate", "比例"
        FIXED = "fixed", "固定金额"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"),
                               help_text="share of the base, e.g. 0.0750 = 7.5 %")
    fixed_amount = _money(help_text="per unit; capped at the line's base")
    # Level 1 = the attributed leader on their own sale. Level 2 would pay the
    # leader's inviter on it (团队计酬): refused unless a jurisdiction allows it.
    level = models.PositiveSmallIntegerField(default=1)
    # Kept as fields so the policy check can refuse them explicitly (Art. 7(1)/(2)).
    per_recruit_bonus = _money()
    join_fee = _money()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "level"],
                                    condition=models.Q(active=True, scope="product"),
                                    name="uniq_active_product_plan"),
            models.UniqueConstraint(fields=["category", "level"],
                                    condition=models.Q(active=True, scope="category"),
                                    name="uniq_active_category_plan"),
            models.UniqueConstraint(fields=["level"],
                                    condition=models.Q(active=True, scope="default"),
                                    name="uniq_active_default_plan"),
        ]


class CommissionLine(models.Model):
    """The commission of one order line for its attributed leader.
    net = amount − reversed (reversed before settlement); clawed back after."""

    class State(models.TextChoices):
        PENDING = "pending", "待结算"
        SETTLED = "settled", "已结算"
        REVERSED = "reversed", "已失效"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    # Indexes cost time on every settlement UPDATE of a million rows: only the
    # ones a query uses (order_line is the prefix of the unique constraint).
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="commission_lines", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    plan = models.ForeignKey(CommissionPlan, null=True, on_delete=models.PROTECT,
                             related_name="+", db_index=False)
    level = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=6)
    rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"))
    fixed_amount = _money()
    qty = models.PositiveIntegerField()
    base = _money()
    amount = _money()
    reversed_amount = _money()
    clawed_amount = _money()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    settlement_run = models.ForeignKey("SettlementRun", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+",
                                       db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order_line", "level"],
                                               name="uniq_commission_per_line")]
        indexes = [
            # Only pending lines: settlement finds its work here, and a settled
            # row leaves this index instead of adding an entry to it.
            models.Index(fields=["order"], condition=models.Q(state="pending"),
                         name="commission_pending_order"),
            models.Index(fields=["leader", "created_at"], name="commission_leader_at")]

    @property
    def net(self) -> Decimal:
        return self.amount - self.reversed_amount


class Account(models.TextChoices):
    """Ledger accounts. Leader accounts are per leader (posting.leader); the
    platform accounts carry the leader too, so a leader's share is traceable."""

    PENDING = "pending", "待结算佣金"
    AVAILABLE = "available", "可提现"
    FROZEN = "frozen", "提现冻结"
    PAID = "paid", "已提现"
    EXPENSE = "expense", "平台佣金费用"
    CLEARING = "clearing", "平台代付在途"
    FEES = "fees", "平台提现手续费"


LEADER_ACCOUNTS = (Account.PENDING, Account.AVAILABLE, Account.FROZEN, Account.PAID)


class PostingQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        from shequn.commission.errors import CommissionError

        raise CommissionError.LEDGER_APPEND_ONLY.error()

    def delete(self) -> Any:
        from shequn.commission.errors import CommissionError

        raise CommissionError.LEDGER_APPEND_ONLY.error()


class Posting(models.Model):
    """One leg of a journal entry. ``entry`` is the entry's natural key
    (e.g. ``accrue:<line>``, ``settle:<run>:<leader>``, ``wd:<id>:request``); the postings
    of an entry sum to zero. Debits are positive, credits negative, so a
    leader (liability) account's balance is minus its sum.

    The natural key doubles as the idempotency key: UNIQUE(entry, seq) means a
    duplicate event can never book twice. Append-only: no UPDATE or DELETE
    (refused here and by a database trigger)."""

    entry = models.CharField(max_length=80)
    seq = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16)
    account = models.CharField(max_length=10, choices=Account.choices)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", db_index=False)  # (leader, account) index
    amount = _money()
    at = models.DateTimeField()
    commission_line = models.ForeignKey(CommissionLine, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="postings",
                                        db_index=False)
    withdrawal = models.ForeignKey("Withdrawal", null=True, blank=True, db_index=False,
                                   on_delete=models.PROTECT, related_name="postings")

    objects = PostingQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "seq"],
                                               name="uniq_posting_entry_seq")]
        # (On PostgreSQL, migration 0004 adds a BRIN index on ``at``: postings
        # arrive in time order, so it is tiny and costs nothing per insert.)
        indexes = [models.Index(fields=["leader", "account"], name="posting_leader_account")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        from shequn.commission.errors import CommissionError

        if not self._state.adding:
            raise CommissionError.LEDGER_APPEND_ONLY.error()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from shequn.commission.errors import CommissionError

        raise CommissionError.LEDGER_APPEND_ONLY.error()


class LeaderBalance(models.Model):
    """The available balance of one leader, kept beside the postings so a
    withdrawal can debit it with one conditional UPDATE (no overdraw under
    concurrency). Always equal to the AVAILABLE postings' balance (tested)."""

    leader = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True,
                                  on_delete=models.PROTECT, related_name="+")
    available = _money()


class SettlementRun(models.Model):
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    lines_settled = models.PositiveIntegerField(default=0)
    leaders = models.PositiveIntegerField(default=0)
    total = _money()

    class Meta:
        ordering = ["-started_at", "-id"]


class Withdrawal(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", "待审核"
        APPROVED = "approved", "已批准，打款中"
        REJECTED = "rejected", "已驳回"
        PAID = "paid", "已打款"
        FAILED = "failed", "打款失败，已退回"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="withdrawals")
    amount = _money()
    fee = _money()
    net = _money()
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED,
                             db_index=True)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    payout_ref = models.CharField(max_length=64, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The client's Idempotency-Key: a retried or double-submitted request
    # returns the first withdrawal instead of holding the money twice.
    request_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["leader", "request_key"],
                                               condition=~models.Q(request_key=""),
                                               name="uniq_withdrawal_request_key")]
