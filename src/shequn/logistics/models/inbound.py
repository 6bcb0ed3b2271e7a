"""Inbound: advance shipping notices, receiving, transfers, adjustments, return
inspection. Stock itself changes only through inventory.services (the ledger);
these rows are the documents that explain it (their number is the moves' ref)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.catalog.models import SKU, Organization
from shequn.inventory.models import Batch, Stock, Warehouse

__all__ = [
    "ASN",
    "ASNLine",
    "Adjustment",
    "Discrepancy",
    "ReturnInspection",
    "Transfer",
    "TransferLine",
]

_USER = settings.AUTH_USER_MODEL


class ASN(models.Model):
    """入库预报: goods the owner (the brand or its importer) announces to a warehouse."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("asn", "Submitted")
        RECEIVING = "receiving", _("Receiving")
        RECEIVED = "received", pgettext_lazy("asn", "Received")
        CANCELLED = "cancelled", pgettext_lazy("asn", "Cancelled")

    number = models.CharField(max_length=30, unique=True, verbose_name=_("ASN number"))
    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="asns",
                              verbose_name=_("goods owner"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="asns",
                                  verbose_name=_("warehouse"))
    expected_date = models.DateField(verbose_name=_("expected arrival"))
    ems_no = models.CharField(max_length=30, blank=True,
                              verbose_name=_("account book number (emsNo)"))
    bond_invt_no = models.CharField(max_length=30, blank=True,
                                    help_text=_("Bonded inventory declaration (bondInvtNo)"),
                                    verbose_name=_("import declaration reference"))
    reference = models.CharField(max_length=60, blank=True,
                                 help_text=_("Bill of lading, air waybill or container"),
                                 verbose_name=_("transport reference"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True, verbose_name=_("status"))
    created_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    received_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("received by"))
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    class Meta:
        verbose_name = _("advance shipping notice")
        verbose_name_plural = _("advance shipping notices")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.RECEIVING)


class ASNLine(models.Model):
    """One SKU and lot on an ASN, with the warehouse's running count while it
    is received (``counted`` includes ``damaged``)."""

    asn = models.ForeignKey(ASN, on_delete=models.CASCADE, related_name="lines",
                            verbose_name=_("ASN"))
    line_no = models.PositiveSmallIntegerField(verbose_name=_("line"))
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("SKU"))
    lot = models.CharField(max_length=40, verbose_name=_("lot"))
    expiry = models.DateField(null=True, blank=True, verbose_name=_("expiry"))
    qty_expected = models.PositiveIntegerField(verbose_name=_("expected quantity"))
    counted = models.PositiveIntegerField(default=0, verbose_name=_("counted"))
    damaged = models.PositiveIntegerField(default=0, verbose_name=_("damaged"))
    reason = models.CharField(max_length=200, blank=True,
                              verbose_name=_("discrepancy reason"))
    received = models.PositiveIntegerField(default=0,
                                           help_text=_("Good units put into stock"),
                                           verbose_name=_("received"))

    class Meta:
        verbose_name = _("ASN line")
        verbose_name_plural = _("ASN lines")
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["asn", "line_no"], name="uniq_asn_line_no"),
            models.CheckConstraint(condition=Q(damaged__lte=models.F("counted")),
                                   name="asn_line_damaged_le_counted"),
        ]

    @property
    def difference(self) -> int:
        return self.counted - self.qty_expected


class Discrepancy(models.Model):
    """差异: what the receipt found different from the ASN."""

    class Kind(models.TextChoices):
        SHORT = "short", _("Short")
        OVER = "over", _("Over")
        DAMAGED = "damaged", _("Damaged")
        WRONG = "wrong", _("Wrong item")

    asn = models.ForeignKey(ASN, on_delete=models.CASCADE, related_name="discrepancies",
                            verbose_name=_("ASN"))
    line = models.ForeignKey(ASNLine, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="discrepancies", verbose_name=_("line"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))
    code = models.CharField(max_length=40, blank=True,
                            help_text=_("Scanned code of a wrong item"),
                            verbose_name=_("code"))
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    recorded_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("receiving discrepancy")
        verbose_name_plural = _("receiving discrepancies")
        ordering = ["pk"]


class Transfer(models.Model):
    """Units of batches moved from one warehouse to another."""

    number = models.CharField(max_length=30, unique=True, verbose_name=_("transfer number"))
    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("from warehouse"))
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("to warehouse"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    by = models.ForeignKey(_USER, null=True, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-at", "-pk"]


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines",
                                 verbose_name=_("transfer"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("batch"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")


class Adjustment(models.Model):
    class Reason(models.TextChoices):
        DAMAGE = "damage", _("Damage")
        STOCKTAKE = "stocktake", _("Stocktake")
        EXPIRY = "expiry", _("Expiry destruction")
        FOUND = "found", _("Found")

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("stock"))
    reason = models.CharField(max_length=10, choices=Reason.choices, verbose_name=_("reason"))
    delta = models.IntegerField(verbose_name=_("change"))
    quarantine = models.BooleanField(default=False,
                                     help_text=_("Applies to the quarantined units"),
                                     verbose_name=_("quarantine"))
    note = models.CharField(max_length=200, verbose_name=_("note"))
    by = models.ForeignKey(_USER, null=True, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("stock adjustment")
        verbose_name_plural = _("stock adjustments")
        ordering = ["-at", "-pk"]


class ReturnInspection(models.Model):
    """The warehouse's inspection of units of an after-sales line that came
    back: sellable ones go back to their batch, damaged ones to quarantine."""

    after_sale = models.ForeignKey("orders.AfterSale", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("after-sales request"))
    line = models.ForeignKey("orders.AfterSaleLine", on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("after-sales line"))
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("stock"))
    sellable = models.PositiveIntegerField(verbose_name=_("sellable"))
    damaged = models.PositiveIntegerField(verbose_name=_("damaged"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    by = models.ForeignKey(_USER, null=True, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("return inspection")
        verbose_name_plural = _("return inspections")
        ordering = ["-at", "-pk"]
