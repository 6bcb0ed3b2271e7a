"""What the public verify page records: each consumer scan (a scan log, not an
EPCIS event: consumer data never goes into documents shared with partners),
counterfeit reports, and the signals brands and operators review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.catalog.models import Organization
from shequn.trace.models.codes import UnitCode


class Scan(models.Model):
    """One look at a code's verify page. ``device`` is a keyed hash of a cookie
    (never the IP); ``city`` is set only when the person consented, at city level
    (PIPL Art. 28: whereabouts are sensitive personal information)."""

    # scan_unit_idx (unit, at) serves the unit's rows: no index of its own
    # (one index less to write on every check).
    # No foreign-key constraint in the database (db_constraint=False), here and
    # on the tally and device rows: a check writes all three, and each deferred
    # constraint check locked the unit's row (FOR KEY SHARE) and wrote that to
    # the WAL at every commit, a tenth of the check's database CPU. The check's
    # one statement inserts the unit id it has just read, units are never
    # deleted (a code is printed for good), and the ORM still cascades.
    unit = models.ForeignKey(UnitCode, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="scans", db_index=False, db_constraint=False,
                             verbose_name=_("unit code"))
    gtin = models.CharField(max_length=14, verbose_name=_("GTIN"))
    serial = models.CharField(max_length=20, verbose_name=_("serial"))
    at = models.DateTimeField(verbose_name=_("time"))
    device = models.CharField(max_length=32, blank=True, verbose_name=_("device"))
    city = models.CharField(max_length=40, blank=True, verbose_name=_("city"))

    class Meta:
        verbose_name = _("verification scan")
        verbose_name_plural = _("verification scans")
        indexes = [models.Index(fields=["unit", "at"], name="scan_unit_idx"),
                   # Checks of unknown codes by GTIN (probes against a brand's
                   # codes); a genuine unit's check does not write it.
                   models.Index(fields=["gtin", "at"], name="scan_probe_idx",
                                condition=models.Q(unit=None)),
                   # The few checks that carry a city, for their erasure (trace.retention).
                   models.Index(fields=["at"], name="scan_city_at_idx",
                                condition=~models.Q(city=""))]


class ScanTally(models.Model):
    """A unit's checks so far, kept as they come: the page reads one row however
    many checks came before (a copied code is checked by every buyer of every
    copy: tens of thousands of times, each of which would otherwise count them
    all again)."""

    unit = models.OneToOneField(UnitCode, primary_key=True, on_delete=models.CASCADE,
                                related_name="+", db_constraint=False,  # as Scan.unit
                                verbose_name=_("unit code"))
    count = models.PositiveIntegerField(verbose_name=_("checks"))
    first_at = models.DateTimeField(verbose_name=_("first checked"))
    devices = models.PositiveIntegerField(verbose_name=_("devices"))
    # Checks with a city (consented): the first of them is compared with the
    # consignee's city.
    city_scans = models.PositiveIntegerField(default=0, verbose_name=_("checks with a city"))

    class Meta:
        verbose_name = _("check tally")
        verbose_name_plural = _("check tallies")


class ScanDevice(models.Model):
    """Each device (keyed hash) that checked a unit, once: a check tells whether
    its device is new by inserting, not by reading the unit's whole log."""

    pk = models.CompositePrimaryKey("unit", "device")
    # The primary key's index serves the unit's rows: no index of its own.
    unit = models.ForeignKey(UnitCode, on_delete=models.CASCADE, related_name="+",
                             db_index=False, db_constraint=False,  # as Scan.unit
                             verbose_name=_("unit code"))
    device = models.CharField(max_length=32, blank=True, verbose_name=_("device"))

    class Meta:
        verbose_name = _("checking device")
        verbose_name_plural = _("checking devices")


class ProbeTally(models.Model):
    """Checks of unknown serials of a GTIN per hour: the probe signal sums a
    day's hours instead of counting every such check again."""

    pk = models.CompositePrimaryKey("gtin", "hour")
    gtin = models.CharField(max_length=14, verbose_name=_("GTIN"))
    hour = models.DateTimeField(verbose_name=_("hour"))
    count = models.PositiveIntegerField(verbose_name=_("checks"))

    class Meta:
        verbose_name = _("probe tally")
        verbose_name_plural = _("probe tallies")


class CounterfeitReport(models.Model):
    gtin = models.CharField(max_length=14, verbose_name=_("GTIN"))
    serial = models.CharField(max_length=20, verbose_name=_("serial"))
    lot = models.CharField(max_length=20, blank=True, verbose_name=_("lot"))
    brand = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("brand"))
    where = models.CharField(max_length=100, blank=True, verbose_name=_("where it was bought"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    device = models.CharField(max_length=32, blank=True, verbose_name=_("device"))
    at = models.DateTimeField(verbose_name=_("time"))

    class Meta:
        verbose_name = _("counterfeit report")
        verbose_name_plural = _("counterfeit reports")


class Signal(models.Model):
    """A pattern worth a look, explained by its evidence; never a penalty. One
    open signal per (kind, subject): new evidence updates it."""

    class Kind(models.TextChoices):
        REPEAT_SCANS = "repeat_scans", _("Unit checked many times")
        MANY_DEVICES = "many_devices", _("Unit checked from many devices")
        PROBES = "probes", _("Unknown codes probed")
        FAR_SCAN = "far_scan", _("First checked far from its buyer")
        ID_VOLUME = "id_volume", _("One buyer ID, unusual quantities")
        SHARED_ADDRESS = "shared_address", _("Many buyer IDs, one address")
        LEADER_ADDRESSES = "leader_addresses", _("A leader's buyers on few addresses")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")

    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    # The brand whose goods it concerns; null for platform-level signals (resale).
    org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE,
                            related_name="+", verbose_name=_("brand"))
    subject = models.CharField(max_length=120, verbose_name=_("subject"))
    evidence = models.JSONField(default=dict, verbose_name=_("evidence"))
    units = models.ManyToManyField(UnitCode, blank=True, related_name="+",
                                   verbose_name=_("units"))
    order_numbers = models.JSONField(default=list, blank=True, verbose_name=_("orders"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN,
                              verbose_name=_("status"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("dismissed by"))
    created_at = models.DateTimeField(verbose_name=_("created"))
    updated_at = models.DateTimeField(verbose_name=_("updated"))

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [models.Index(fields=["org", "status", "created_at"], name="signal_org_idx"),
                   # The newest signal of a subject, open or dismissed (signals._keep_up).
                   models.Index(fields=["kind", "subject"], name="signal_subject_idx")]
        constraints = [models.UniqueConstraint(
            fields=["kind", "subject"], condition=models.Q(status="open"),
            name="uniq_open_signal")]
