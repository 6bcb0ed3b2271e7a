from __future__ import annotations

from django.contrib import admin

from shequn.catalog.models import SKU, Category, Organization, PositiveListLine, Product


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "kind", "customs_code", "country")
    list_filter = ("kind", "country")
    search_fields = ("name", "name_en", "customs_code")
    filter_horizontal = ("members",)


@admin.register(PositiveListLine)
class PositiveListLineAdmin(admin.ModelAdmin):
    list_display = ("tariff_line", "description", "bonded_only", "per_order_qty_cap")
    list_filter = ("bonded_only",)
    search_fields = ("tariff_line", "description", "note")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class SKUInline(admin.TabularInline):
    model = SKU
    extra = 0
    fields = ("code", "gmodel", "gtin", "hs_code", "price", "bonded_only", "active")
    show_change_link = True


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "brand", "seller", "category", "origin_country",
                    "active", "created_at")
    list_filter = ("active", "category", "origin_country", "brand")
    search_fields = ("name", "name_en", "skus__code", "skus__gtin")
    list_select_related = ("brand", "seller", "category")
    inlines = (SKUInline,)


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    list_display = ("code", "product", "gmodel", "hs_code", "price", "price_includes_tax",
                    "consumption_tax_rule", "bonded_only", "active")
    list_filter = ("active", "bonded_only", "consumption_tax_rule", "price_includes_tax")
    search_fields = ("code", "gtin", "gmodel", "hs_code", "product__name")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)
