"""Orders in the admin: read-only. An order changes state only through
shequn.orders.services (and the ops console); buyer data is shown masked and
the encrypted columns are never displayed."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.translation import gettext_lazy as _

from shequn.core.admin import ReadOnlyAdmin, ReadOnlyInline
from shequn.core.pii import mask_name
from shequn.orders.models import Order, OrderLine, OrderStatusChange


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("gnum", "sku", "name", "qty", "unit_price", "total_price", "goods_value",
              "taxable_price", "duty", "consumption_tax", "vat", "tax")
    readonly_fields = fields


class OrderStatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    fields = ("at", "from_state", "to_state", "actor", "note")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "state", "buyer_masked", "actual_paid", "created_at")
    list_filter = ("state", "trade_mode")
    search_fields = ("number",)
    date_hierarchy = "created_at"
    list_select_related = ("shop",)
    inlines = (OrderLineInline, OrderStatusChangeInline)
    fieldsets = (
        (None, {"fields": ("number", "state", "hold_reason", "checkout_id", "user", "seller",
                           "warehouse", "trade_mode")}),
        (_("Attribution"), {"fields": ("shop", "leader", "attribution_channel")}),
        (_("Buyer and consignee (masked)"), {"fields": (
            "buyer_masked", "buyer_phone_masked", "consignee_masked", "consignee_phone_masked",
            "province", "city", "district", "district_code", "address_detail")}),
        (_("Money"), {"fields": ("goods_value", "freight", "insurance", "discount",
                                   "taxable_total", "duty", "consumption_tax", "vat",
                                   "tax_total", "actual_paid", "tax_regime", "quota_year")}),
        (_("Times"), {"fields": ("created_at", "expires_at", "paid_at", "shipped_at",
                                   "delivered_at", "completed_at", "cancelled_at")}),
    )
    readonly_fields = tuple(flatten_fieldsets(fieldsets))

    @admin.display(description=_("buyer"), ordering="buyer_name")
    def buyer_masked(self, obj: Order) -> str:
        return f"{mask_name(obj.buyer_name)} {obj.buyer_id_masked}"

    @admin.display(description=_("consignee"))
    def consignee_masked(self, obj: Order) -> str:
        return mask_name(obj.consignee)


@admin.register(OrderStatusChange)
class OrderStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("order", "from_state", "to_state", "at", "actor", "note")
    list_filter = ("to_state",)
    search_fields = ("order__number",)
    list_select_related = ("order", "actor")
    fields = ("order", "from_state", "to_state", "at", "actor", "note")
    readonly_fields = fields
