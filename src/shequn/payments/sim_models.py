"""The WeChat Pay simulator's books (payments/wechatpay/sim), in the database so
every process agrees (imported by payments/models.py; app label ``payments``)."""

from __future__ import annotations

from django.db import models


class WxSimTransaction(models.Model):
    mchid = models.CharField(max_length=32)
    appid = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32)
    trade_type = models.CharField(max_length=10)  # JSAPI, MWEB (H5), NATIVE
    params = models.TextField()  # canonical JSON of the order fields (same → same prepay)
    amount_total = models.PositiveIntegerField()
    openid = models.CharField(max_length=128, blank=True)
    notify_url = models.CharField(max_length=255)
    prepay_id = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, default="NOTPAY")
    transaction_id = models.CharField(max_length=32, blank=True)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mchid", "out_trade_no"],
                                               name="uniq_wxsim_trade")]


class WxSimRefund(models.Model):
    trade = models.ForeignKey(WxSimTransaction, on_delete=models.CASCADE,
                              related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=32, unique=True)
    amount = models.PositiveIntegerField()
    status = models.CharField(max_length=12, default="PROCESSING")
    notify_url = models.CharField(max_length=255, blank=True)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trade", "out_refund_no"],
                                               name="uniq_wxsim_refund")]


class WxSimNotification(models.Model):
    """One notification to push (and re-push on the retry schedule until acked)."""

    url = models.CharField(max_length=255)
    event_type = models.CharField(max_length=32)
    key = models.CharField(max_length=64, db_index=True)  # out_trade_no / out_refund_no
    plaintext = models.TextField()
    envelope_id = models.CharField(max_length=40, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    deliveries = models.PositiveIntegerField(default=0)  # requests actually sent
    next_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10, default="pending")  # pending, acked, gave_up
    last_status = models.IntegerField(null=True, blank=True)
    refund = models.ForeignKey(WxSimRefund, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField()


class WxSimFault(models.Model):
    """A queued fault: ``duplicate``, ``reorder`` or ``drop`` the next notifications
    (optionally only those for ``key``)."""

    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=64, blank=True)
    remaining = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
