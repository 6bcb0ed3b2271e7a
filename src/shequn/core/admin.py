"""Admin for the outbox and the audit log: read-only, they are written only by
the code that makes the change (ARCHITECTURE §4.6, §4.8)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shequn.core.models import AuditLog, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: rows change only through the domain services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def pretty_json(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2))


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "topic", "aggregate", "aggregate_id", "created_at", "processed_at",
                    "attempts")
    list_filter = ("topic", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("topic", "aggregate_id")
    date_hierarchy = "created_at"
    fields = ("topic", "aggregate", "aggregate_id", "payload_pretty", "created_at",
              "available_at", "processed_at", "attempts", "last_error")
    readonly_fields = fields

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj: OutboxEvent) -> str:
        return pretty_json(obj.payload)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_id", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    fields = ("at", "actor", "action", "object_type", "object_id", "detail_pretty")
    readonly_fields = fields

    @admin.display(description=_("detail"))
    def detail_pretty(self, obj: AuditLog) -> str:
        return pretty_json(obj.detail)
