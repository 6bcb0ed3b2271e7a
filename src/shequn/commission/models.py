"""Commission money: plans, per-line commission, the append-only double-entry
ledger, settlement runs and withdrawals (decision 0002: `commission` is the money,
`distribution` is the network)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.catalog.models import Category, Product
from shequn.orders.models import Order, OrderLine

ZERO = Decimal("0.00")


def _money(**kw: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kw)


class PolicySetting(models.Model):
    """The jurisdiction the commission policy follows. Append-only history: the
    newest row is in force. Without any row the mainland-China policy applies
    (one level, the attributed leader on their own sales)."""

    jurisdiction = models.CharField(max_length=8, default="CN", verbose_name=_("jurisdiction"))
    max_levels = models.PositiveSmallIntegerField(default=1, verbose_name=_("max levels"))
    reason = models.CharField(max_length=500, verbose_name=_("reason"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("set by"))
    set_at = models.DateTimeField(verbose_name=_("set at"))

    class Meta:
        verbose_name = _("policy setting")
        verbose_name_plural = _("policy settings")
        ordering = ["-set_at", "-id"]


class CommissionPlan(models.Model):
    """A rate or a fixed amount per unit for one product, one category, or the
    platform default. Resolution: product > category > default. At most one
    active plan per target and level."""

    class Scope(models.TextChoices):
        PRODUCT = "product", _("Product")
        CATEGORY = "category", _("Category")
        DEFAULT = "default", _("Platform default")

    class Kind(models.TextChoices):
        RATE = "rate", _("Rate")
        FIXED = "fixed", _("Fixed amount")

    scope = models.CharField(max_length=10, choices=Scope.choices, verbose_name=_("scope"))
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("product"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("category"))
    kind = models.CharField(max_length=6, choices=Kind.choices, verbose_name=_("kind"))
    rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"),
                               help_text=_("Share of the base, e.g. 0.0750 = 7.5 %"),
                               verbose_name=_("rate"))
    fixed_amount = _money(help_text=_("Per unit; capped at the line's base"),
                          verbose_name=_("fixed amount"))
    # Level 1 = the attributed leader on their own sale. Level 2 would pay the
    # leader's inviter on it (团队计酬): refused unless a jurisdiction allows it.
    level = models.PositiveSmallIntegerField(default=1, verbose_name=_("level"))
    # Kept as fields so the policy check can refuse them explicitly (Art. 7(1)/(2)).
    per_recruit_bonus = _money(verbose_name=_("per-recruit bonus"))
    join_fee = _money(verbose_name=_("joining fee"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("commission plan")
        verbose_name_plural = _("commission plans")
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
        PENDING = "pending", _("Pending settlement")
        SETTLED = "settled", _("Settled")
        REVERSED = "reversed", _("Reversed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("order"))
    # Indexes cost time on every settlement UPDATE of a million rows: only the
    # ones a query uses (order_line is the prefix of the unique constraint).
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+",
                                   db_index=False, verbose_name=_("order line"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="commission_lines", db_index=False,
                               verbose_name=_("leader"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+",
                                db_index=False, verbose_name=_("product"))
    plan = models.ForeignKey(CommissionPlan, null=True, on_delete=models.PROTECT,
                             related_name="+", db_index=False, verbose_name=_("plan"))
    level = models.PositiveSmallIntegerField(default=1, verbose_name=_("level"))
    kind = models.CharField(max_length=6, verbose_name=_("kind"))
    rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"),
                               verbose_name=_("rate"))
    fixed_amount = _money(verbose_name=_("fixed amount"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))
    base = _money(verbose_name=_("commission base"))
    amount = _money(verbose_name=_("amount"))
    reversed_amount = _money(verbose_name=_("reversed amount"))
    clawed_amount = _money(verbose_name=_("clawed-back amount"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING,
                             verbose_name=_("state"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))
    settlement_run = models.ForeignKey("SettlementRun", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+",
                                       db_index=False, verbose_name=_("settlement run"))

    class Meta:
        verbose_name = _("commission line")
        verbose_name_plural = _("commission lines")
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

    PENDING = "pending", _("Pending commission")
    AVAILABLE = "available", _("Available")
    FROZEN = "frozen", _("Frozen for withdrawal")
    PAID = "paid", _("Withdrawn")
    EXPENSE = "expense", _("Platform commission expense")
    CLEARING = "clearing", _("Platform payout in transit")
    FEES = "fees", _("Platform withdrawal fees")


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

    entry = models.CharField(max_length=80, verbose_name=_("entry"))
    seq = models.PositiveSmallIntegerField(verbose_name=_("sequence"))
    kind = models.CharField(max_length=16, verbose_name=_("kind"))
    account = models.CharField(max_length=10, choices=Account.choices, verbose_name=_("account"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", db_index=False,
                               verbose_name=_("leader"))  # (leader, account) index
    amount = _money(verbose_name=_("amount"))
    at = models.DateTimeField(verbose_name=_("time"))
    commission_line = models.ForeignKey(CommissionLine, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="postings",
                                        db_index=False, verbose_name=_("commission line"))
    withdrawal = models.ForeignKey("Withdrawal", null=True, blank=True, db_index=False,
                                   on_delete=models.PROTECT, related_name="postings",
                                   verbose_name=_("withdrawal"))

    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger posting")
        verbose_name_plural = _("ledger postings")
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
                                  on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("leader"))

    class Meta:
        verbose_name = _("leader balance")
        verbose_name_plural = _("leader balances")
    available = _money(verbose_name=_("available"))


class SettlementRun(models.Model):
    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    lines_settled = models.PositiveIntegerField(default=0, verbose_name=_("lines settled"))
    leaders = models.PositiveIntegerField(default=0, verbose_name=_("leaders"))
    total = _money(verbose_name=_("total"))

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-started_at", "-id"]


class Withdrawal(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Under review")
        APPROVED = "approved", _("Approved, paying")
        REJECTED = "rejected", pgettext_lazy("withdrawal", "Rejected")
        PAID = "paid", _("Paid out")
        FAILED = "failed", _("Payout failed, returned")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False,
                          verbose_name=_("ID"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="withdrawals", verbose_name=_("leader"))
    amount = _money(verbose_name=_("amount"))
    fee = _money(verbose_name=_("fee"))
    net = _money(verbose_name=_("net amount"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED,
                             db_index=True, verbose_name=_("state"))
    requested_at = models.DateTimeField(verbose_name=_("requested at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    payout_ref = models.CharField(max_length=64, blank=True, verbose_name=_("payout reference"))
    failure = models.CharField(max_length=500, blank=True, verbose_name=_("failure"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # The client's Idempotency-Key: a retried or double-submitted request
    # returns the first withdrawal instead of holding the money twice.
    request_key = models.CharField(max_length=64, blank=True, verbose_name=_("request key"))

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["leader", "request_key"],
                                               condition=~models.Q(request_key=""),
                                               name="uniq_withdrawal_request_key")]
