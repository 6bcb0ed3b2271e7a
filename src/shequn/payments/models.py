from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.orders.models import Order


class Payment(models.Model):
    """One payment attempt for one order at the provider."""

    class State(models.TextChoices):
        CREATED = "created", pgettext_lazy("payment", "Awaiting payment")
        SUCCEEDED = "succeeded", _("Payment succeeded")
        FAILED = "failed", _("Payment failed")
        CLOSED = "closed", _("Closed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments",
                              verbose_name=_("order"))
    provider = models.CharField(max_length=20, verbose_name=_("provider"))
    out_trade_no = models.CharField(max_length=40, unique=True, verbose_name=_("trade number"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED,
                             verbose_name=_("state"))
    provider_txn_id = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                       verbose_name=_("provider transaction ID"))
    payer_name = models.CharField(max_length=60, blank=True, verbose_name=_("payer name"))
    payer_id_hash = models.CharField(max_length=64, blank=True,
                                     verbose_name=_("payer ID number (hash)"))
    payer_id_masked = models.CharField(max_length=20, blank=True,
                                       verbose_name=_("payer ID number (masked)"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")


class PaymentNotification(models.Model):
    """Every asynchronous notification received, verified or not. The provider's
    notification id is unique, so a re-delivery is recognised and not re-applied."""

    provider = models.CharField(max_length=20, verbose_name=_("provider"))
    notify_id = models.CharField(max_length=64, verbose_name=_("notification ID"))
    out_trade_no = models.CharField(max_length=40, blank=True, db_index=True,
                                    verbose_name=_("trade number"))
    signature_ok = models.BooleanField(default=False, verbose_name=_("signature valid"))
    outcome = models.CharField(max_length=40, verbose_name=_("outcome"))
    body = models.TextField(verbose_name=_("body"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        constraints = [models.UniqueConstraint(
            fields=["provider", "notify_id"], condition=models.Q(signature_ok=True),
            name="uniq_verified_notification")]


class Refund(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Refund in progress")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Refund failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds",
                                verbose_name=_("payment"))
    out_refund_no = models.CharField(max_length=40, unique=True, verbose_name=_("refund number"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"),
                                 verbose_name=_("amount"))
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED,
                             verbose_name=_("state"))
    provider_refund_id = models.CharField(max_length=64, blank=True,
                                          verbose_name=_("provider refund ID"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")


# The WeChat Pay simulator's state (payments/wechatpay/sim), in this app's tables.
from shequn.payments.sim_models import (  # noqa: E402
    WxSimFault,
    WxSimNotification,
    WxSimRefund,
    WxSimTransaction,
)

__all__ = ["Payment", "PaymentNotification", "Refund", "WxSimFault", "WxSimNotification",
           "WxSimRefund", "WxSimTransaction"]
