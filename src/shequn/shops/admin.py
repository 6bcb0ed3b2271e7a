from __future__ import annotations

from django.contrib import admin

from shequn.shops.models import Listing, ShareVisit, Shop


class ListingInline(admin.TabularInline):
    model = Listing
    extra = 0
    raw_id_fields = ("product",)
    fields = ("product", "position", "active", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "slug", "owner__username")
    raw_id_fields = ("owner",)
    inlines = [ListingInline]


@admin.register(ShareVisit)
class ShareVisitAdmin(admin.ModelAdmin):
    list_display = ("at", "shop", "listing", "leader", "valid", "reason", "channel")
    list_filter = ("valid", "channel", "reason")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
