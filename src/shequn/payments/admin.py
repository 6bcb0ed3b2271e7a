"""Payments, notifications and refunds in the admin: read-only (they change
only through shequn.payments.services). Payer data is shown masked; the raw
notification body is shown with the payer's name and ID number masked."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shequn.core.admin import ReadOnlyAdmin, ReadOnlyInline, pretty_json
from shequn.core.pii import mask_id, mask_name
from shequn.payments.models import Payment, PaymentNotification, Refund


def masked_notification(body: str) -> Any:
    """The notification as JSON with personal data masked (or a placeholder
    when it is not JSON: it may then hold anything)."""
    try:
        data = json.loads(body)
    except ValueError:
        return {"unparsed": f"<{len(body)} characters hidden>"}
    payer = data.get("payer") if isinstance(data, dict) else None
    if isinstance(payer, dict):
        if payer.get("id_number"):
            payer["id_number"] = mask_id(str(payer["id_number"]))
        if payer.get("name"):
            payer["name"] = mask_name(str(payer["name"]))
    return data


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("out_refund_no", "amount", "state", "reason", "created_at", "completed_at")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("out_trade_no", "order", "provider", "amount", "state", "paid_at")
    list_filter = ("state", "provider")
    search_fields = ("out_trade_no", "order__number", "provider_txn_id")
    list_select_related = ("order",)
    inlines = (RefundInline,)
    fields = ("order", "provider", "out_trade_no", "amount", "state", "provider_txn_id",
              "payer_masked", "payer_id_masked", "created_at", "paid_at")
    readonly_fields = fields

    @admin.display(description=_("payer"))
    def payer_masked(self, obj: Payment) -> str:
        return mask_name(obj.payer_name)


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "notify_id", "out_trade_no", "signature_ok",
                    "outcome")
    list_filter = ("provider", "signature_ok", "outcome")
    search_fields = ("notify_id", "out_trade_no")
    fields = ("received_at", "provider", "notify_id", "out_trade_no", "signature_ok",
              "outcome", "body_masked")
    readonly_fields = fields

    @admin.display(description=_("body (masked)"))
    def body_masked(self, obj: PaymentNotification) -> str:
        return pretty_json(masked_notification(obj.body))


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("out_refund_no", "payment", "amount", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("out_refund_no", "payment__out_trade_no", "payment__order__number")
    list_select_related = ("payment",)
    fields = ("payment", "out_refund_no", "amount", "state", "reason", "provider_refund_id",
              "created_at", "completed_at")
    readonly_fields = fields
