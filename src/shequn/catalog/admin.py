from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shequn.catalog.models import (
    SKU,
    Category,
    ChangeRequest,
    ImportJob,
    Organization,
    PositiveListLine,
    Product,
    ProductImage,
)


class ReadOnly:
    """Catalog rows change only through the catalog services (validators, review
    queue, audit log): the brand console, the ops review queue, the XLSX import and
    the partner API. The admin shows them, for everyone, superusers included."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "name_en", "kind", "customs_code", "country")
    list_filter = ("kind", "country")
    search_fields = ("name", "name_en", "customs_code")
    filter_horizontal = ("members",)


@admin.register(PositiveListLine)
class PositiveListLineAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("tariff_line", "description", "bonded_only", "per_order_qty_cap")
    list_filter = ("bonded_only",)
    search_fields = ("tariff_line", "description", "note")


@admin.register(Category)
class CategoryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")


class SKUInline(ReadOnly, admin.TabularInline):
    model = SKU
    extra = 0
    fields = ("code", "gmodel", "gtin", "hs_code", "price", "bonded_only", "active")
    show_change_link = True


@admin.register(Product)
class ProductAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "name_en", "brand", "seller", "category", "origin_country",
                    "review_state", "active", "created_at")
    list_filter = ("review_state", "active", "category", "origin_country", "brand")
    search_fields = ("name", "name_en", "skus__code", "skus__gtin")
    list_select_related = ("brand", "seller", "category")
    inlines = (SKUInline,)


@admin.register(SKU)
class SKUAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "product", "gmodel", "hs_code", "price", "price_includes_tax",
                    "consumption_tax_rule", "bonded_only", "active")
    list_filter = ("active", "bonded_only", "consumption_tax_rule", "price_includes_tax")
    search_fields = ("code", "gtin", "gmodel", "hs_code", "product__name")
    list_select_related = ("product",)



@admin.register(ProductImage)
class ProductImageAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("product", "position", "width", "height", "sha256", "created_at")
    list_select_related = ("product",)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("product", "sku", "state", "requested_at", "decided_at")
    list_filter = ("state",)
    list_select_related = ("product", "sku")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("organization", "filename", "state", "total_rows", "created_at")
    list_filter = ("state",)
