"""Unit codes (SGTIN: GTIN + random serial) and carton codes (SSCC), generated
in batches and followed through their journey. The journey itself is kept as
EPCIS events (models/epcis.py); ``UnitCode.state`` is the latest of it, kept
here so that "a unit can be sold once" is one conditional UPDATE."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.catalog.models import SKU, Organization
from shequn.inventory.models import Warehouse


class CodeBatch(models.Model):
    """One generation run: ``quantity`` unit codes for one SKU and lot, packed
    ``per_carton`` to a carton (0: no cartons). Generation runs as a job in
    chunks and resumes from ``generated`` after a restart."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="code_batches",
                            verbose_name=_("organization"))
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="code_batches",
                            verbose_name=_("SKU"))
    gtin = models.CharField(max_length=14, verbose_name=_("GTIN"))
    lot = models.CharField(max_length=20, verbose_name=_("lot"))
    expiry = models.DateField(null=True, blank=True, verbose_name=_("expiry"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    per_carton = models.PositiveIntegerField(default=0, verbose_name=_("units per carton"))
    generated = models.PositiveIntegerField(default=0, verbose_name=_("generated"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED,
                             verbose_name=_("state"))
    error = models.CharField(max_length=200, blank=True, verbose_name=_("error"))
    # The ASN these goods arrive on, when generated for one (warehouse or brand).
    asn = models.ForeignKey("logistics.ASN", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="code_batches", verbose_name=_("ASN"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))
    # Last committed chunk: a batch queued or generating with no progress for a
    # while is resumed by the periodic job (its worker died).
    progressed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last progress"))

    class Meta:
        verbose_name = _("code batch")
        verbose_name_plural = _("code batches")
        ordering = ["-created_at"]


class Carton(models.Model):
    """A logistic unit (carton or pallet) with its SSCC; a pallet is a carton's
    ``parent``. Which units are inside is ``UnitCode.carton`` (母子码)."""

    class State(models.TextChoices):
        PACKED = "packed", _("Packed")
        RECEIVED = "received", _("Received")
        OPENED = "opened", _("Opened")

    sscc = models.CharField(max_length=18, unique=True, verbose_name=_("SSCC"))
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="cartons",
                            verbose_name=_("organization"))
    batch = models.ForeignKey(CodeBatch, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="cartons", verbose_name=_("code batch"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("pallet"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PACKED,
                             verbose_name=_("state"))
    # Where it was received (bonded warehouse).
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("warehouse"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("carton")
        verbose_name_plural = _("cartons")


class UnitCode(models.Model):
    class State(models.TextChoices):
        COMMISSIONED = "commissioned", _("Coded")
        PACKED = "packed", _("In a carton")
        RECEIVED = "received", _("In the bonded warehouse")
        PICKED = "picked", _("Packed into a parcel")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")
        QUARANTINED = "quarantined", _("Quarantined")
        RECALLED = "recalled", _("Recalled")
        DESTROYED = "destroyed", _("Destroyed")

    gtin = models.CharField(max_length=14, verbose_name=_("GTIN"))
    serial = models.CharField(max_length=20, verbose_name=_("serial"))
    batch = models.ForeignKey(CodeBatch, on_delete=models.PROTECT, related_name="units",
                              verbose_name=_("code batch"))
    carton = models.ForeignKey(Carton, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="units", verbose_name=_("carton"))
    # The carton it left last (set when ``carton`` is cleared): the verify page
    # reads that carton's events with the unit's own in one query. Not indexed:
    # nothing looks units up by it (cartons are not deleted).
    last_carton = models.ForeignKey(Carton, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False,
                                    verbose_name=_("last carton"))
    state = models.CharField(max_length=12, choices=State.choices,
                             default=State.COMMISSIONED, verbose_name=_("state"))
    # The order line this unit was sold on (set once, when packed into its parcel).
    order_line = models.ForeignKey("orders.OrderLine", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="unit_codes",
                                   verbose_name=_("order line"))
    sold_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sold"))
    # The warehouse holding it since it was received there (binding checks it).
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("warehouse"))

    class Meta:
        verbose_name = _("unit code")
        verbose_name_plural = _("unit codes")
        constraints = [models.UniqueConstraint(fields=["gtin", "serial"],
                                               name="uniq_unit_code")]
        indexes = [models.Index(fields=["batch", "id"], name="unit_batch_idx")]


class JourneyMark(models.Model):
    """A journey step already written for one business document (``step`` +
    ``ref``, e.g. ``shipped`` + the order number): an outbox event delivered
    twice finds its mark and writes nothing again."""

    step = models.CharField(max_length=20, verbose_name=_("step"))
    ref = models.CharField(max_length=80, verbose_name=_("reference"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("journey step written")
        verbose_name_plural = _("journey steps written")
        constraints = [models.UniqueConstraint(fields=["step", "ref"], name="uniq_journey_mark")]
