"""Outbound: pick lists, packing, zone exit, carrier waybills, tracking."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.catalog.models import SKU
from shequn.inventory.models import Batch, Warehouse
from shequn.orders.models import Order

__all__ = ["CarrierSimState", "PickLine", "PickList", "PushLog", "Shipment", "TrackingEvent",
           "ZoneExit"]


class ParcelState(models.TextChoices):
    REQUESTED = "requested", _("Waybill requested")
    REFUSED = "refused", _("Refused by the carrier")
    CANCELLED = "cancelled", pgettext_lazy("parcel", "Cancelled")
    CREATED = "created", _("Waybill allocated")
    PICKED_UP = "picked_up", _("Collected by the carrier")
    IN_TRANSIT = "in_transit", _("In transit")
    CUSTOMS_HOLD = "customs_hold", _("Held at customs")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", pgettext_lazy("parcel", "Delivered")
    EXCEPTION = "exception", _("Delivery problem")
    RETURNING = "returning", _("Returning to sender")


class ZoneExit(models.Model):
    """出区 核放单 (logistics.md §1.4): one truck leaving the bonded zone with the
    listed parcels (io type E)."""

    class Bind(models.TextChoices):
        ONE_TRUCK_MANY = "1", _("One truck, several declarations")
        ONE_TRUCK_ONE = "2", _("One truck, one declaration")
        ONE_MANY_TRUCKS = "3", _("One declaration, several trucks")

    class Gate(models.TextChoices):
        WAITING = "1", _("Not through the gate")
        PASSED = "2", _("Through the gate")

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="exits",
                                  verbose_name=_("warehouse"))
    passport_no = models.CharField(max_length=40, unique=True, verbose_name=_("pass number"))
    io_type = models.CharField(max_length=1, default="E", verbose_name=_("in/out type"))
    bind_type = models.CharField(max_length=1, choices=Bind.choices, default=Bind.ONE_TRUCK_MANY,
                                 verbose_name=_("binding type"))
    vehicle_no = models.CharField(max_length=20, verbose_name=_("vehicle plate"))
    total_gross_kg = models.DecimalField(max_digits=12, decimal_places=3,
                                         verbose_name=_("total gross weight (kg)"))
    gate_status = models.CharField(max_length=1, choices=Gate.choices, default=Gate.WAITING,
                                   verbose_name=_("gate status"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    passed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("passed the gate at"))

    class Meta:
        verbose_name = _("zone exit record")
        verbose_name_plural = _("zone exit records")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.passport_no


class PickList(models.Model):
    """A wave of released orders of one warehouse, lines in FEFO batch order."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="pick_lists",
                                  verbose_name=_("warehouse"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    picked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("picked at"))

    class Meta:
        verbose_name = _("pick list")
        verbose_name_plural = _("pick lists")
        ordering = ["-created_at"]


class PickLine(models.Model):
    pick_list = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name=_("pick list"))
    seq = models.PositiveIntegerField(verbose_name=_("sequence"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("order"))
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("batch"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))

    class Meta:
        verbose_name = _("pick line")
        verbose_name_plural = _("pick lines")
        ordering = ["pick_list", "seq"]


class Shipment(models.Model):
    """The parcel of one order: its carrier waybill (allocated after payment, so
    the customs waybill CEB511 carries it), packing, exit and tracking state."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="shipment",
                                 verbose_name=_("order"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="shipments",
                                  verbose_name=_("warehouse"))
    carrier = models.CharField(max_length=20, verbose_name=_("carrier"))
    waybill_no = models.CharField(max_length=60, blank=True, db_index=True,
                                  verbose_name=_("waybill number"))
    state = models.CharField(max_length=20, choices=ParcelState.choices,
                             default=ParcelState.REQUESTED, verbose_name=_("state"))
    refusal = models.CharField(max_length=200, blank=True, verbose_name=_("refusal"))
    label_data = models.JSONField(default=dict, blank=True, verbose_name=_("route label data"))
    weight_kg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True,
                                    verbose_name=_("weight (kg)"))
    label_file = models.FileField(upload_to="labels/", blank=True, verbose_name=_("label"))
    pick_list = models.ForeignKey(PickList, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="shipments", verbose_name=_("pick list"))
    zone_exit = models.ForeignKey(ZoneExit, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="shipments", verbose_name=_("zone exit record"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    waybill_at = models.DateTimeField(null=True, blank=True, verbose_name=_("waybill at"))
    packed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("packed at"))
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shipped at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    state_at = models.DateTimeField(null=True, blank=True, verbose_name=_("state changed at"))

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [models.UniqueConstraint(
            fields=["carrier", "waybill_no"], condition=~models.Q(waybill_no=""),
            name="uniq_carrier_waybill")]

    def __str__(self) -> str:
        return self.waybill_no or f"({self.order_id})"


class TrackingEvent(models.Model):
    """One route event as the carrier sent it (raw kept); unique per (waybill, id)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("shipment"))
    waybill_no = models.CharField(max_length=60, verbose_name=_("waybill number"))
    event_id = models.CharField(max_length=64, verbose_name=_("event id"))
    at = models.DateTimeField(verbose_name=_("time"))
    state = models.CharField(max_length=20, choices=ParcelState.choices, verbose_name=_("state"))
    op_code = models.CharField(max_length=10, blank=True, verbose_name=_("operation code"))
    remark = models.CharField(max_length=200, blank=True, verbose_name=_("carrier remark"))
    place = models.CharField(max_length=60, blank=True, verbose_name=_("place"))
    raw = models.JSONField(default=dict, verbose_name=_("raw payload"))
    received_at = models.DateTimeField(verbose_name=_("received at"))

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["waybill_no", "event_id"],
                                               name="uniq_tracking_event")]


class PushLog(models.Model):
    """Every route push as received, before it is processed."""

    carrier = models.CharField(max_length=20, verbose_name=_("carrier"))
    received_at = models.DateTimeField(verbose_name=_("received at"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    body = models.TextField(verbose_name=_("body"))
    ok = models.BooleanField(default=False, verbose_name=_("processed"))
    events = models.PositiveIntegerField(default=0, verbose_name=_("events"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("route push")
        verbose_name_plural = _("route pushes")


class CarrierSimState(models.Model):
    """The embedded carrier simulator's state (goes with the database, like the
    customs simulator's)."""

    name = models.CharField(max_length=40, unique=True)
    state = models.TextField(default="{}")
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("carrier simulator state")
        verbose_name_plural = _("carrier simulator states")
