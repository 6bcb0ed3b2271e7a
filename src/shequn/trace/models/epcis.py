"""The EPCIS 2.0 event repository: each event as captured (JSON-LD, compact
form) plus the columns the standard queries filter on, and an index table with
one row per EPC per event so that ``MATCH_epc`` and the verify page are index
lookups. On PostgreSQL both big tables are partitioned by month (see the
migrations); on SQLite they are plain tables."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.catalog.models import Organization


class CaptureJob(models.Model):
    """``POST /epcis/capture``: the document waits here until the job has
    validated and stored it (all or nothing), then only the outcome is kept."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCESS = "success", _("Success")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+", verbose_name=_("organization"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING,
                             verbose_name=_("state"))
    document = models.JSONField(null=True, blank=True, verbose_name=_("document"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    event_count = models.PositiveIntegerField(default=0, verbose_name=_("events"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))

    class Meta:
        verbose_name = _("EPCIS capture job")
        verbose_name_plural = _("EPCIS capture jobs")


class EpcisEvent(models.Model):
    event_id = models.CharField(max_length=512, db_index=True, verbose_name=_("event ID"))
    event_type = models.CharField(max_length=64, verbose_name=_("event type"))
    event_time = models.DateTimeField(verbose_name=_("event time"))
    record_time = models.DateTimeField(verbose_name=_("record time"))
    action = models.CharField(max_length=8, blank=True, verbose_name=_("action"))
    # Standard vocabulary as the bare word ("shipping"), anything else as its URI.
    biz_step = models.CharField(max_length=256, blank=True, verbose_name=_("business step"))
    disposition = models.CharField(max_length=256, blank=True, verbose_name=_("disposition"))
    read_point = models.CharField(max_length=512, blank=True, verbose_name=_("read point"))
    biz_location = models.CharField(max_length=512, blank=True,
                                    verbose_name=_("business location"))
    # "type=value" lines of the bizTransactionList, with a leading newline, so
    # that EQ_bizTransaction_<type> is a portable substring match.
    biz_transactions = models.TextField(blank=True, default="",
                                        verbose_name=_("business transactions"))
    # The event as captured (compact JSON-LD) and the document's @context.
    doc = models.JSONField(verbose_name=_("event"))
    context = models.JSONField(default=list, blank=True, verbose_name=_("context"))
    # Who captured it: an organization's key, or Shequn's own flows (null).
    org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                            db_constraint=False, related_name="+",
                            verbose_name=_("organization"))
    capture_id = models.UUIDField(null=True, blank=True, verbose_name=_("capture job"))

    class Meta:
        verbose_name = _("EPCIS event")
        verbose_name_plural = _("EPCIS events")
        indexes = [models.Index(fields=["event_time"], name="epcis_event_time_idx"),
                   models.Index(fields=["record_time"], name="epcis_record_time_idx")]


class EpcIndex(models.Model):
    """One row per EPC (or EPC class) per event. ``epc`` is the canonical form
    (gs1.canonical_epc); ``gtin`` scopes an organization's queries to its goods."""

    class Role(models.TextChoices):
        EPC = "epc", "epcList/childEPCs"
        PARENT = "parent", "parentID"
        INPUT = "input", "inputEPCList"
        OUTPUT = "output", "outputEPCList"
        CLASS = "class", "quantityList"

    event = models.ForeignKey(EpcisEvent, on_delete=models.CASCADE, db_constraint=False,
                              related_name="epcs", verbose_name=_("event"))
    epc = models.CharField(max_length=512, verbose_name="EPC")
    role = models.CharField(max_length=8, choices=Role.choices, verbose_name=_("role"))
    gtin = models.CharField(max_length=14, blank=True, verbose_name=_("GTIN"))
    event_time = models.DateTimeField(verbose_name=_("event time"))

    class Meta:
        verbose_name = _("EPC index entry")
        verbose_name_plural = _("EPC index entries")
        indexes = [models.Index(fields=["epc", "event_time"], name="epc_index_idx"),
                   models.Index(fields=["gtin", "event_time"], name="epc_gtin_idx")]
