from __future__ import annotations

from decimal import Decimal

from django.db import models

from shequn.orders.models import Order


class Payment(models.Model):
    """One payment attempt for one order at the provider."""

    class State(models.TextChoices):
        CREATED = "created", "待支付"
        SUCCEEDED = "succeeded", "支付成功"
        FAILED = "failed", "支付失败"
        CLOSED = "closed", "已关闭"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    out_trade_no = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    provider_txn_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    payer_name = models.CharField(max_length=60, blank=True)
    payer_id_hash = models.CharField(max_length=64, blank=True)
    payer_id_masked = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)


class PaymentNotification(models.Model):
    """Every asynchronous notification received, verified or not. The provider's
    notification id is unique, so a re-delivery is recognised and not re-applied."""

    provider = models.CharField(max_length=20)
    notify_id = models.CharField(max_length=64)
    out_trade_no = models.CharField(max_length=40, blank=True, db_index=True)
    signature_ok = models.BooleanField(default=False)
    outcome = models.CharField(max_length=40)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["provider", "notify_id"], condition=models.Q(signature_ok=True),
            name="uniq_verified_notification")]


class Refund(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", "退款中"
        SUCCEEDED = "succeeded", "已退款"
        FAILED = "failed", "退款失败"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    reason = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    provider_refund_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
