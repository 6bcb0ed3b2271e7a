from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.catalog import names
from shequn.catalog.models import SKU, Organization
from shequn.core import regions
from shequn.inventory.models import Warehouse
from shequn.shops.models import Listing, Shop

ZERO = Decimal("0.00")

# The tax engine's regimes (taxes.engine: CBEC, FULL_TAX) as people read them.
TAX_REGIMES = {"cbec": _("Cross-border e-commerce tax"),
               "cbec_full_tax": _("Full tax (one item over the single-order limit)")}


def _money(**kw: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, **kw)


class Order(models.Model):
    """One customs order: one seller, one warehouse / trade mode, ≤ 99 lines.
    A checkout that spans warehouses makes several orders with one ``checkout_id``.
    Buyer and consignee are snapshots (the customs message needs what was true
    at the time), personal data encrypted and masked."""

    class State(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        ON_HOLD = "on_hold", _("On hold")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False,
                          verbose_name=_("ID"))
    number = models.CharField(max_length=20, unique=True, verbose_name=_("number"))
    checkout_id = models.UUIDField(db_index=True, verbose_name=_("checkout ID"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="orders", verbose_name=_("user"))
    state = models.CharField(max_length=20, choices=State.choices,
                             default=State.PENDING_PAYMENT, db_index=True, verbose_name=_("state"))
    hold_reason = models.CharField(max_length=200, blank=True, verbose_name=_("hold reason"))
    seller = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("seller of record"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="orders",
                                  verbose_name=_("warehouse"))
    trade_mode = models.CharField(max_length=4, verbose_name=_("trade mode"))

    # Attribution snapshot (commission comes later; attribution is captured now).
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="orders", verbose_name=_("shop"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="attributed_orders",
                               verbose_name=_("leader"))
    attribution_channel = models.CharField(max_length=20, blank=True,
                                           verbose_name=_("attribution channel"))

    # Buyer (订购人) snapshot.
    buyer_name = models.CharField(max_length=60, verbose_name=_("buyer name"))
    buyer_id_enc = models.TextField(verbose_name=_("buyer ID number (encrypted)"))
    buyer_id_hash = models.CharField(max_length=64, db_index=True,
                                     verbose_name=_("buyer ID number (hash)"))
    buyer_id_masked = models.CharField(max_length=20, verbose_name=_("buyer ID number (masked)"))
    buyer_phone_enc = models.TextField(verbose_name=_("buyer phone (encrypted)"))
    buyer_phone_masked = models.CharField(max_length=20, verbose_name=_("buyer phone (masked)"))

    # Consignee snapshot.
    consignee = models.CharField(max_length=60, verbose_name=_("consignee"))
    consignee_phone_enc = models.TextField(verbose_name=_("consignee phone (encrypted)"))
    consignee_phone_masked = models.CharField(max_length=20,
                                              verbose_name=_("consignee phone (masked)"))
    province = models.CharField(max_length=20, verbose_name=_("province"))
    city = models.CharField(max_length=20, verbose_name=_("city"))
    district = models.CharField(max_length=20, verbose_name=_("district"))
    district_code = models.CharField(max_length=6, verbose_name=_("district code"))
    address_detail = models.CharField(max_length=120, verbose_name=_("street address"))

    # Money (invariant 1): actual_paid = goods_value + freight + tax_total - discount.
    goods_value = _money(verbose_name=_("goods value"))
    freight = _money(verbose_name=_("freight"))
    insurance = _money(verbose_name=_("insurance"))
    discount = _money(verbose_name=_("discount"))
    duty = _money(verbose_name=_("duty"))
    consumption_tax = _money(verbose_name=_("consumption tax"))
    vat = _money(verbose_name=_("VAT"))
    tax_total = _money(verbose_name=_("tax total"))
    actual_paid = _money(verbose_name=_("actual paid"))
    refunded_total = _money(help_text=_("Money returned by partial refunds (returns)"),
                            verbose_name=_("refunded total"))
    taxable_total = _money(verbose_name=_("taxable total"))
    tax_regime = models.CharField(max_length=20, verbose_name=_("tax regime"))
    quota_year = models.PositiveSmallIntegerField(verbose_name=_("quota year"))

    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    # Set by customs when the declaration is released (放行); the warehouse may
    # ship only after it (orders.services.mark_shipped checks).
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared at"))
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shipped at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number

    @property
    def tax_regime_label(self) -> str:
        return str(TAX_REGIMES.get(self.tax_regime, self.tax_regime))

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
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("order"))
    gnum = models.PositiveSmallIntegerField(verbose_name=_("line number (gnum)"))
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, verbose_name=_("SKU"))
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL,
                                verbose_name=_("listing"))
    name = models.CharField(max_length=250, verbose_name=_("name"))
    gmodel = models.CharField(max_length=510, verbose_name=_("specification (gmodel)"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_price = _money(verbose_name=_("unit price"))
    total_price = _money(verbose_name=_("total price"))
    goods_value = _money(help_text=_("Net goods value (differs from the total price only "
                                     "when tax is included)"),
                         verbose_name=_("goods value"))
    freight_share = _money(verbose_name=_("freight share"))
    insurance_share = _money(verbose_name=_("insurance share"))
    taxable_price = _money(verbose_name=_("taxable price"))
    duty = _money(verbose_name=_("duty"))
    consumption_tax = _money(verbose_name=_("consumption tax"))
    vat = _money(verbose_name=_("VAT"))
    tax = _money(verbose_name=_("tax"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["gnum"]
        constraints = [models.UniqueConstraint(fields=["order", "gnum"], name="uniq_line_gnum")]

    @property
    def display_name(self) -> str:
        """The name pages show. ``name`` is the snapshot of the Chinese name as
        sold (declared to customs, kept as is); English pages show the product's
        current English name when it has one (catalog.names). Only English pages
        read the product: have them prefetch ``lines__sku__product``."""
        if not names.english():
            return self.name
        return names.shown(self.name, self.sku.product.name_en)


class OrderStatusChange(models.Model):
    """History of state changes: the buyer's timeline and the audit trail."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history",
                              verbose_name=_("order"))
    from_state = models.CharField(max_length=20, blank=True, choices=Order.State.choices,
                                  verbose_name=_("from state"))
    to_state = models.CharField(max_length=20, choices=Order.State.choices,
                                verbose_name=_("to state"))
    at = models.DateTimeField(verbose_name=_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("order status change")
        verbose_name_plural = _("order status changes")
        ordering = ["at", "id"]


class AfterSale(models.Model):
    """A buyer's return request (售后) after delivery: some quantity of some
    lines. While one is open the order cannot complete (commission stays
    pending). Approved returns of cross-border goods are declared to customs
    (CEB625) before the money goes back."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Return approved")
        REJECTED = "rejected", _("Rejected")
        REFUNDED = "refunded", _("Refunded")

    class Reason(models.TextChoices):
        QUALITY = "quality", _("Quality problem")
        DAMAGED = "damaged", _("Arrived damaged")
        WRONG_ITEM = "wrong_item", _("Wrong item or quantity")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        EXPIRY = "expiry", _("Expired or close to expiry")
        OTHER = "other", _("Other")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="after_sales",
                              verbose_name=_("order"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("user"))
    reason_code = models.CharField(_("reason"), max_length=20, choices=Reason.choices,
                                   default=Reason.OTHER)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN,
                             db_index=True, verbose_name=_("state"))
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    goods_refund = _money(verbose_name=_("goods refund"))
    tax_refund = _money(verbose_name=_("tax refund"))
    decision_note = models.CharField(max_length=200, blank=True, verbose_name=_("decision note"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    refunded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refunded at"))

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
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
    after_sale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="lines",
                                   verbose_name=_("after-sales request"))
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("line"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))

    class Meta:
        verbose_name = _("after-sales line")
        verbose_name_plural = _("after-sales lines")
    goods_refund = _money(verbose_name=_("goods refund"))
    tax_refund = _money(verbose_name=_("tax refund"))
    taxable_refund = _money(help_text=_("Taxable value given back to the buyer's annual quota"),
                            verbose_name=_("taxable refund"))
