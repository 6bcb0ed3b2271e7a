from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from shequn.catalog.models import SKU, Organization


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        BONDED = "bonded", "保税仓 Bonded warehouse (1210)"
        DIRECT_MAIL = "direct_mail", "直邮仓 Direct-mail hub (9610)"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    trade_mode = models.CharField(max_length=4, help_text="1210 bonded, 9610 direct mail")
    customs_code = models.CharField(max_length=4, help_text="主管海关 customs-area code")
    area_code = models.CharField(max_length=18, blank=True, help_text="区内仓储企业代码 (1210)")
    ems_no = models.CharField(max_length=30, blank=True, help_text="电子账册编号 (1210)")
    operator = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT)
    location = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.trade_mode})"


class Batch(models.Model):
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="batches")
    lot = models.CharField(max_length=40)
    expiry = models.DateField(null=True, blank=True)
    produced = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sku", "lot"], name="uniq_batch_lot")]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"{self.sku.code}/{self.lot}"


class Stock(models.Model):
    """Units of one batch in one warehouse. ``available = on_hand - reserved``.
    Changed only by inventory.services with conditional UPDATEs (invariant 2)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stocks")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="stocks")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="stocks")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "batch"], name="uniq_stock_wh_batch"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_nonneg"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_nonneg"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")),
                                   name="stock_reserved_le_on_hand"),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def __str__(self) -> str:
        return f"{self.warehouse.code} {self.batch}: {self.on_hand} ({self.reserved} reserved)"


class Reservation(models.Model):
    """Units held for an order (``ref`` = order number) until paid or released."""

    class State(models.TextChoices):
        ACTIVE = "active", "已锁定 Held"
        COMMITTED = "committed", "已售出 Sold"
        RELEASED = "released", "已释放 Released"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservations")
    ref = models.CharField(max_length=40, db_index=True)
    qty = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)


class StockMove(models.Model):
    """Append-only ledger of every change to a stock row."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", "入库 Receive"
        RESERVE = "reserve", "锁定 Reserve"
        RELEASE = "release", "释放 Release"
        COMMIT = "commit", "售出 Commit (paid)"
        SHIP = "ship", "出库 Ship"
        ADJUST = "adjust", "调整 Adjust"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    ref = models.CharField(max_length=40, blank=True, db_index=True)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)
