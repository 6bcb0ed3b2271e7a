"""Admin: read-mostly. Decisions go through the services (audited), so the
status, tree and binding fields are read-only here."""

from __future__ import annotations

from django.contrib import admin

from shequn.distribution.models import (
    BindingChange,
    CustomerBinding,
    LeaderProfile,
    LeaderStatusChange,
)


class StatusChangeInline(admin.TabularInline):
    model = LeaderStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "reason", "at")


@admin.register(LeaderProfile)
class LeaderProfileAdmin(admin.ModelAdmin):
    list_display = ("id", "real_name_masked", "phone_masked", "region", "status", "grade",
                    "depth", "team_size", "applied_at")
    list_filter = ("status", "grade")
    search_fields = ("real_name_masked", "phone_masked", "invite_code", "region")
    exclude = ("real_name_enc", "phone_enc", "phone_hash")
    readonly_fields = ("user", "status", "real_name_masked", "phone_masked", "invite_code_used",
                       "applied_at", "decided_at", "decided_by", "decision_reason",
                       "status_changed_at", "invite_code", "shop", "grade", "grade_at",
                       "inviter", "path", "depth", "team_size", "team_depth")
    inlines = [StatusChangeInline]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(CustomerBinding)
class CustomerBindingAdmin(admin.ModelAdmin):
    list_display = ("buyer", "leader", "channel", "bound_at", "last_touch_at")
    list_filter = ("channel",)
    readonly_fields = ("buyer", "leader", "channel", "bound_at", "last_touch_at")
    raw_id_fields = ("buyer",)

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    # A deleted binding would leave no BindingChange row: changes go through
    # rebind_by_operator, which keeps the history.
    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(BindingChange)
class BindingChangeAdmin(admin.ModelAdmin):
    list_display = ("buyer", "old_leader", "new_leader", "channel", "reason", "at")
    list_filter = ("reason", "channel")
    readonly_fields = ("buyer", "old_leader", "new_leader", "channel", "reason", "at")

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
