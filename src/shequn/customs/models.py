"""Customs clearance state kept by Shequn: one declaration per order (the
CEB621 inventory list and the documents it is matched with), every message sent
and every receipt received (both append-only), and return declarations (CEB625)."""

from __future__ import annotations

import base64

from django.db import models

from shequn.core import pii
from shequn.orders.models import AfterSale, Order


class Declaration(models.Model):
    """The clearance of one order. ``state`` moves only forward (see
    customs.states): receipts that arrive late, twice or out of order never
    move it back."""

    class State(models.TextChoices):
        DECLARING = "declaring", "申报中"
        ACCEPTED = "accepted", "海关入库"
        REVIEW = "review", "人工审核"
        INSPECTION = "inspection", "查验"
        RELEASED = "released", "已放行"
        CLOSED = "closed", "已结关"
        REJECTED = "rejected", "海关退单"
        CANCELLED = "cancelled", "已撤销"

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="declaration")
    cop_no = models.CharField(max_length=30, unique=True, help_text="企业内部编号 of the CEB621")
    logistics_no = models.CharField(max_length=30, unique=True)
    pre_no = models.CharField(max_length=20, blank=True)
    invt_no = models.CharField(max_length=20, blank=True, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DECLARING,
                             db_index=True)
    status_code = models.CharField(max_length=10, blank=True, help_text="last applied returnStatus")
    status_info = models.CharField(max_length=500, blank=True)
    last_return_time = models.CharField(max_length=17, blank=True)
    customs_tax = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                      help_text="taxTotal of the CEB816 tax bill")
    created_at = models.DateTimeField(db_index=True)
    changed_at = models.DateTimeField(db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set while a cancellation (CEB623) awaits customs' answer: the order must
    # not ship meanwhile (customs may still approve it and the refund follow).
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.cop_no


class Message(models.Model):
    """Every CEB message Shequn sends, exactly as sent (signed, enveloped). A
    message is sent by the ``customs.send`` outbox event, which retries with
    backoff and ends as a dead letter operators can resend."""

    class State(models.TextChoices):
        # The moves between these are customs.states.MESSAGE_MOVES.
        QUEUED = "queued", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        CANCELLED = "cancelled", "已放弃"

    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="messages")
    kind = models.CharField(max_length=10)  # CEB311, CEB411, CEB511, CEB621, CEB623, CEB625 …
    cop_msg_id = models.CharField(max_length=40, unique=True)
    business_key = models.CharField(max_length=60, db_index=True)
    # The message as sent (signed, enveloped), encrypted: it carries the buyer's
    # ID number and phones in clear (invariant 7). See ``sent_bytes``.
    body_enc = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # Each hand-over is recorded (committed) before the gateway is called: the
    # attempt's number and start, so its outcome is applied only to it and a
    # send whose process died can be taken over once it is stale.
    attempts = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True,
                                     help_text="why an operator gave the message up")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    @staticmethod
    def seal(data: bytes) -> str:
        return pii.encrypt(base64.b64encode(data).decode("ascii"))

    def sent_bytes(self) -> bytes:
        """The exact bytes handed to the gateway (decrypted; do not log them)."""
        return base64.b64decode(pii.decrypt(self.body_enc))


class Receipt(models.Model):
    """Every receipt received, once (``digest`` of the record), and what it did."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "已应用"
        IGNORED = "ignored", "已忽略（旧/重复状态）"
        UNKNOWN = "unknown", "无对应单据"
        RECORDED = "recorded", "已记录"

    kind = models.CharField(max_length=30)  # the record: InventoryReturn, Tax, MessageReturn …
    business_key = models.CharField(max_length=80, db_index=True)
    return_status = models.CharField(max_length=10, blank=True)
    return_time = models.CharField(max_length=17, blank=True)
    return_info = models.CharField(max_length=500, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="receipts")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["return_time", "id"]


class ReturnDeclaration(models.Model):
    """A return after delivery (CEB625, partial quantities allowed) for one
    approved after-sales request; the money goes back when customs accepts it."""

    class State(models.TextChoices):
        DECLARING = "declaring", "退货申报中"
        ACCEPTED = "accepted", "退货已审结"
        REJECTED = "rejected", "退货被退单"

    after_sale = models.OneToOneField(AfterSale, on_delete=models.PROTECT,
                                      related_name="customs_return")
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT,
                                    related_name="returns")
    # The CEB625 repeats the inventory's copNo, so its receipts (CEB626) correlate
    # to the declaration; one return is declared at a time per declaration.
    cop_no = models.CharField(max_length=30, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DECLARING)
    status_code = models.CharField(max_length=10, blank=True)
    status_info = models.CharField(max_length=500, blank=True)
    last_return_time = models.CharField(max_length=17, blank=True)
    created_at = models.DateTimeField()
    changed_at = models.DateTimeField()


class SimulatorState(models.Model):
    """The embedded customs simulator's state (customs.simstate): one row per
    simulator, the whole snapshot as JSON, so a restart of the process does not
    make customs forget what it knows. Not Shequn's own clearance data (that is
    Declaration, Message, Receipt above); the separate simulator process keeps
    its state in a file instead (``--snapshot``)."""

    name = models.CharField(max_length=30, primary_key=True)
    state = models.TextField()
    # Each save has a higher version; an older save arriving late is dropped.
    version = models.PositiveBigIntegerField(default=0)
    saved_at = models.DateTimeField()
