"""The CBEC personal annual quota ledger (invariant 3).

The tables keep the names they had when the ledger lived in checkout
(``checkout_quota*``): the app moved, the data did not (migration 0001 only
moves the models in Django's state)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuotaAccount(models.Model):
    """Platform-side mirror of a person's CBEC annual quota (26,000 CNY per
    resident ID per calendar year). ``reserved`` is held by unpaid orders,
    ``used`` by paid ones. Changed only by conditional UPDATE (invariant 3)."""

    id_hash = models.CharField(max_length=64, verbose_name=_("ID number (hash)"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    used = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"),
                               verbose_name=_("used"))
    reserved = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"),
                                   verbose_name=_("reserved"))

    class Meta:
        db_table = "checkout_quotaaccount"
        verbose_name = _("CBEC quota account")
        verbose_name_plural = _("CBEC quota accounts")
        constraints = [
            models.UniqueConstraint(fields=["id_hash", "year"], name="uniq_quota_id_year"),
            models.CheckConstraint(condition=Q(used__gte=0) & Q(reserved__gte=0),
                                   name="quota_nonneg"),
            models.CheckConstraint(condition=Q(used__lte=Decimal("26000.00") - F("reserved")),
                                   name="quota_within_annual_limit"),
        ]


class QuotaMove(models.Model):
    """Append-only ledger of quota changes."""

    class Kind(models.TextChoices):
        RESERVE = "reserve", pgettext_lazy("quota", "Reserve")
        CONSUME = "consume", _("Consume (paid)")
        RELEASE = "release", _("Release (cancelled or timed out)")
        REFUND = "refund", pgettext_lazy("quota", "Refund")

    account = models.ForeignKey(QuotaAccount, on_delete=models.PROTECT, related_name="moves",
                                verbose_name=_("account"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    ref = models.CharField(max_length=40, db_index=True, verbose_name=_("reference"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        db_table = "checkout_quotamove"
        verbose_name = _("CBEC quota move")
        verbose_name_plural = _("CBEC quota moves")
        constraints = [models.UniqueConstraint(fields=["account", "kind", "ref"],
                                               name="uniq_quota_move")]
