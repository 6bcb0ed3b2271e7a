from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.catalog.models import SKU, Organization
from shequn.core import regions
from shequn.inventory.models import Warehouse
from shequn.shops.models import Listing, Shop

ZERO = Decimal("0.00")


def _money(**kw: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, **kw)


class Order(models.Model):
    """One customs order: one seller, one warehouse / trade mode, ≤ 99 lines.
    A checkout that spans warehouses makes several orders with one ``checkout_id``.
    Buyer and consignee are snapshots (the customs message needs what was true
    at the time), personal data encrypted and masked."""

    class State(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "待付款"
        PAID = "paid", "已付款"
        ON_HOLD = "on_hold", "待核实"
        SHIPPED = "shipped", "已发货"
        DELIVERED = "delivered", "已签收"
        COMPLETED = "completed", "已完成"
        CANCELLED = "cancelled", "已取消"
        REFUNDED = "refunded", "已退款"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=20, unique=True)
    checkout_id = models.UUIDField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="orders")
    state = models.CharField(max_length=20, choices=State.choices,
                             default=State.PENDING_PAYMENT, db_index=True)
    hold_reason = models.CharField(max_length=200, blank=True)
    seller = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="orders")
    trade_mode = models.CharField(max_length=4)

    # Attribution snapshot (commission comes later; attribution is captured now).
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="orders")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="attributed_orders")
    attribution_channel = models.CharField(max_length=20, blank=True)

    # Buyer (订购人) snapshot.
    buyer_name = models.CharField(max_length=60)
    buyer_id_enc = models.TextField()
    buyer_id_hash = models.CharField(max_length=64, db_index=True)
    buyer_id_masked = models.CharField(max_length=20)
    buyer_phone_enc = models.TextField()
    buyer_phone_masked = models.CharField(max_length=20)

    # Consignee snapshot.
    consignee = models.CharField(max_length=60)
    consignee_phone_enc = models.TextField()
    consignee_phone_masked = models.CharField(max_length=20)
    province = models.CharField(max_length=20)
    city = models.CharField(max_length=20)
    district = models.CharField(max_length=20)
    district_code = models.CharField(max_length=6)
    address_detail = models.CharField(max_length=120)

    # Money (invariant 1): actual_paid = goods_value + freight + tax_total - discount.
    goods_value = _money()
    freight = _money()
    insurance = _money()
    discount = _money()
    duty = _money()
    consumption_tax = _money()
    vat = _money()
    tax_total = _money()
    actual_paid = _money()
    refunded_total = _money(help_text="money returned by partial refunds (returns)")
    taxable_total = _money()
    tax_regime = models.CharField(max_length=20)
    quota_year = models.PositiveSmallIntegerField()

    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Set by customs when the declaration is released (放行); the warehouse may
    # ship only after it (orders.services.mark_shipped checks).
    cleared_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number

    @property
    def address(self) -> str:
        return regions.join_names(self.province, self.city, self.district) + self.address_detail

    @property
    def refund_status(self) -> str:
        """``"full"`` once all the money went back (a refund before shipping, or
        returns refunded for every unit: the order is then ``refunded``),
        ``"partial"`` while some returns were refunded, ``""`` otherwise."""
        if self.state == self.State.REFUNDED:
            return "full"
        return "partial" if self.refunded_total > 0 else ""

    @property
    def net_paid(self) -> Decimal:
        """What the buyer paid and kept paid: nothing for a refunded order, the
        amount paid less the refunds of returns otherwise (see ``NET_PAID``)."""
        if self.state == self.State.REFUNDED or self.paid_at is None:
            return ZERO
        return self.actual_paid - self.refunded_total


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    gnum = models.PositiveSmallIntegerField()
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT)
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=250)
    gmodel = models.CharField(max_length=510)
    qty = models.PositiveIntegerField()
    unit_price = _money()
    total_price = _money()
    goods_value = _money(help_text="net goods value (differs from total_price only for 包税)")
    freight_share = _money()
    insurance_share = _money()
    taxable_price = _money()
    duty = _money()
    consumption_tax = _money()
    vat = _money()
    tax = _money()

    class Meta:
        ordering = ["gnum"]
        constraints = [models.UniqueConstraint(fields=["order", "gnum"], name="uniq_line_gnum")]


class OrderStatusChange(models.Model):
    """History of state changes: the buyer's timeline and the audit trail."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]


class AfterSale(models.Model):
    """A buyer's return request (售后) after delivery: some quantity of some
    lines. While one is open the order cannot complete (commission stays
    pending). Approved returns of cross-border goods are declared to customs
    (CEB625) before the money goes back."""

    class State(models.TextChoices):
        OPEN = "open", "待处理"
        APPROVED = "approved", "已同意退货"
        REJECTED = "rejected", "已拒绝"
        REFUNDED = "refunded", "已退款"

    class Reason(models.TextChoices):
        QUALITY = "quality", _("Quality problem")
        DAMAGED = "damaged", _("Arrived damaged")
        WRONG_ITEM = "wrong_item", _("Wrong item or quantity")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        EXPIRY = "expiry", _("Expired or close to expiry")
        OTHER = "other", _("Other")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="after_sales")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    reason_code = models.CharField(_("reason"), max_length=20, choices=Reason.choices,
                                   default=Reason.OTHER)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN,
                             db_index=True)
    reason = models.CharField(max_length=200)
    goods_refund = _money()
    tax_refund = _money()
    decision_note = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def amount(self) -> Decimal:
        return self.goods_refund + self.tax_refund


def _photo_path(photo: AfterSalePhoto, filename: str) -> str:
    # Named by content hash under the request: no user-chosen names on disk.
    return f"returns/{photo.after_sale_id}/{photo.sha256[:32]}-{filename}"


class AfterSalePhoto(models.Model):
    """A buyer's photo of a return (re-encoded JPEG, core/images.py). Private:
    served only to the buyer and operators (web/store/returns_views.py)."""

    after_sale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=_photo_path, max_length=200)
    thumb = models.FileField(upload_to=_photo_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]


class AfterSaleLine(models.Model):
    after_sale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    goods_refund = _money()
    tax_refund = _money()
    taxable_refund = _money(help_text="taxable value given back to the buyer's annual quota")
