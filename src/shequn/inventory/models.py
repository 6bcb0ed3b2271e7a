from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.catalog.models import SKU, Organization
from shequn.catalog.names import shown


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        BONDED = "bonded", _("Bonded warehouse (1210)")
        DIRECT_MAIL = "direct_mail", _("Direct-mail hub (9610)")

    code = models.CharField(max_length=20, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    # Shown on English pages (the journey on a verify page); blank: the name.
    name_en = models.CharField(max_length=100, blank=True, verbose_name=_("English name"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    trade_mode = models.CharField(max_length=4, help_text=_("1210 bonded, 9610 direct mail"),
                                  verbose_name=_("trade mode"))
    customs_code = models.CharField(max_length=4,
                                    help_text=_("Customs-area code of the supervising customs"),
                                    verbose_name=_("customs code"))
    area_code = models.CharField(max_length=18, blank=True,
                                 help_text=_("Code of the warehouse enterprise in the zone (1210)"),
                                 verbose_name=_("area code"))
    ems_no = models.CharField(max_length=30, blank=True,
                              help_text=_("Electronic account book number (1210)"),
                              verbose_name=_("account book number (emsNo)"))
    operator = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name=_("operator"))
    location = models.CharField(max_length=100, blank=True, verbose_name=_("location"))
    # The sender on the waybills of parcels shipped from here (label and the
    # carrier's order); without a street address, SHEQUN["CARRIER_SENDER"].
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"),
                             validators=[RegexValidator(r"^[0-9-]{7,20}$")])
    province = models.CharField(max_length=20, blank=True, verbose_name=_("province"))
    city = models.CharField(max_length=20, blank=True, verbose_name=_("city"))
    district = models.CharField(max_length=20, blank=True, verbose_name=_("district"))
    address = models.CharField(
        max_length=120, blank=True, verbose_name=_("street address"),
        help_text=_("The sender address on waybills of parcels shipped from this warehouse"))

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return f"{self.name} ({self.trade_mode})"

    @property
    def display_name(self) -> str:
        """The name pages show: English on English pages when there is one."""
        return shown(self.name, self.name_en)


class Batch(models.Model):
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="batches",
                            verbose_name=_("SKU"))
    lot = models.CharField(max_length=40, verbose_name=_("lot"))
    expiry = models.DateField(null=True, blank=True, verbose_name=_("expiry"))
    produced = models.DateField(null=True, blank=True, verbose_name=_("produced"))

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [models.UniqueConstraint(fields=["sku", "lot"], name="uniq_batch_lot")]

    def __str__(self) -> str:
        return f"{self.sku.code}/{self.lot}"


class Stock(models.Model):
    """Units of one batch in one warehouse. ``available = on_hand - reserved``.
    Changed only by inventory.services with conditional UPDATEs (invariant 2)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stocks",
                                  verbose_name=_("warehouse"))
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="stocks",
                            verbose_name=_("SKU"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="stocks",
                              verbose_name=_("batch"))
    on_hand = models.IntegerField(default=0, verbose_name=_("on hand"))
    reserved = models.IntegerField(default=0, verbose_name=_("reserved"))
    # Damaged or returned-damaged units of the batch, kept apart (残次): not part
    # of on_hand, so never reservable or sold.
    quarantine = models.IntegerField(default=0, db_default=0, verbose_name=_("quarantine"))

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "batch"], name="uniq_stock_wh_batch"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_nonneg"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_nonneg"),
            models.CheckConstraint(condition=Q(quarantine__gte=0),
                                   name="stock_quarantine_nonneg"),
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
        ACTIVE = "active", _("Held")
        COMMITTED = "committed", _("Sold")
        RELEASED = "released", pgettext_lazy("stock", "Released")

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservations",
                              verbose_name=_("stock"))
    ref = models.CharField(max_length=40, db_index=True, verbose_name=_("reference"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE,
                             verbose_name=_("state"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")


class StockMove(models.Model):
    """Append-only ledger of every change to a stock row."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Receive")
        RESERVE = "reserve", pgettext_lazy("stock", "Reserve")
        RELEASE = "release", pgettext_lazy("stock", "Release")
        COMMIT = "commit", _("Commit (paid)")
        SHIP = "ship", pgettext_lazy("stock", "Ship")
        ADJUST = "adjust", _("Adjust")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        QUARANTINE = "quarantine", _("Quarantine")
        RETURN = "return", _("Customer return")

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="moves",
                              verbose_name=_("stock"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    on_hand_delta = models.IntegerField(default=0, verbose_name=_("on hand delta"))
    reserved_delta = models.IntegerField(default=0, verbose_name=_("reserved delta"))
    quarantine_delta = models.IntegerField(default=0, db_default=0,
                                           verbose_name=_("quarantine delta"))
    ref = models.CharField(max_length=40, blank=True, db_index=True, verbose_name=_("reference"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")


class ShelfLifeRule(models.Model):
    """Batches of this category that expire within ``min_days`` days cannot be
    sold (reserved); categories without a rule use SHEQUN["SHELF_LIFE_MIN_DAYS"].
    A category with a rule also shows the buyer the expiry date on its product
    page (food, formula)."""

    category = models.OneToOneField("catalog.Category", on_delete=models.CASCADE,
                                    related_name="shelf_life_rule",
                                    verbose_name=_("category"))
    min_days = models.PositiveIntegerField(
        verbose_name=_("minimum remaining shelf life (days)"),
        help_text=_("Batches expiring sooner than this cannot be sold"))

    class Meta:
        verbose_name = _("shelf-life rule")
        verbose_name_plural = _("shelf-life rules")

    def __str__(self) -> str:
        return f"{self.category}: {self.min_days}"
