"""Stock changes only through inventory.services, so the counters and the ledger are
read-only here (invariant 2: the ledger must explain every row)."""

from __future__ import annotations

from django.contrib import admin

from shequn.inventory.models import (
    Batch,
    Reservation,
    ShelfLifeRule,
    Stock,
    StockMove,
    Warehouse,
)


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "trade_mode", "customs_code", "operator", "city")
    list_filter = ("kind", "trade_mode")
    search_fields = ("code", "name", "name_en", "area_code", "ems_no")


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("sku", "lot", "expiry", "produced")
    list_filter = ("expiry",)
    search_fields = ("lot", "sku__code")
    list_select_related = ("sku__product",)
    raw_id_fields = ("sku",)

    def get_readonly_fields(self, request, obj=None):
        # The expiry decides FEFO and the lock order: fixed once stock exists.
        return ("sku", "lot", "expiry") if obj is not None else ()


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ("warehouse", "sku", "batch", "on_hand", "reserved", "available")
    list_filter = ("warehouse",)
    search_fields = ("sku__code", "batch__lot")
    list_select_related = ("warehouse", "sku__product", "batch__sku")
    readonly_fields = ("warehouse", "sku", "batch", "on_hand", "reserved")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reservation)
class ReservationAdmin(_ReadOnly):
    list_display = ("ref", "stock", "qty", "state", "created_at", "closed_at")
    list_filter = ("state",)
    search_fields = ("ref", "stock__sku__code")
    list_select_related = ("stock__warehouse", "stock__batch__sku")


@admin.register(StockMove)
class StockMoveAdmin(_ReadOnly):
    list_display = ("at", "stock", "kind", "on_hand_delta", "reserved_delta", "ref", "note")
    list_filter = ("kind",)
    search_fields = ("ref", "stock__sku__code", "note")
    list_select_related = ("stock__warehouse", "stock__batch__sku")


@admin.register(ShelfLifeRule)
class ShelfLifeRuleAdmin(admin.ModelAdmin):
    """Per-category minimum remaining shelf life (a setting, not stock)."""

    list_display = ("category", "min_days")
