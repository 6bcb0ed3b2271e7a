"""Commission in the admin: read-only. Plans, withdrawals and settlement change
only through shequn.commission.services (policy check, maker-checker, audit);
the ledger is append-only anyway."""

from __future__ import annotations

from django.contrib import admin

from shequn.commission.models import (
    CommissionLine,
    CommissionPlan,
    LeaderBalance,
    PolicySetting,
    Posting,
    SettlementRun,
    Withdrawal,
)
from shequn.core.admin import ReadOnlyAdmin


@admin.register(CommissionPlan)
class CommissionPlanAdmin(ReadOnlyAdmin):
    list_display = ("id", "scope", "product", "category", "kind", "rate", "fixed_amount",
                    "level", "active", "created_at")
    list_filter = ("scope", "kind", "active", "level")


@admin.register(PolicySetting)
class PolicySettingAdmin(ReadOnlyAdmin):
    list_display = ("set_at", "jurisdiction", "max_levels", "set_by", "reason")


@admin.register(CommissionLine)
class CommissionLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "leader", "product", "base", "amount", "reversed_amount",
                    "clawed_amount", "state", "created_at", "settled_at")
    list_filter = ("state",)
    search_fields = ("order__number", "leader__username")
    list_select_related = ("order", "leader", "product")
    raw_id_fields = ("order", "order_line", "leader", "product", "plan", "settlement_run")


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry", "seq", "kind", "account", "leader", "amount", "at")
    list_filter = ("account", "kind")
    search_fields = ("entry", "leader__username")
    list_select_related = ("leader",)
    raw_id_fields = ("leader", "commission_line", "withdrawal")


@admin.register(LeaderBalance)
class LeaderBalanceAdmin(ReadOnlyAdmin):
    list_display = ("leader", "available")
    search_fields = ("leader__username",)


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "started_at", "finished_at", "lines_settled", "leaders", "total")


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("id", "leader", "amount", "fee", "net", "state", "requested_at",
                    "decided_by", "decided_at", "payout_ref")
    list_filter = ("state",)
    search_fields = ("leader__username", "payout_ref")
    raw_id_fields = ("leader", "decided_by")
