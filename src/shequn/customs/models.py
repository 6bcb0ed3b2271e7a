"""Customs clearance state kept by Shequn: one declaration per order (the
CEB621 inventory list and the documents it is matched with), every message sent
and every receipt received (both append-only), and return declarations (CEB625)."""

from __future__ import annotations

import base64

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.core import pii
from shequn.orders.models import AfterSale, Order


class Declaration(models.Model):
    """The clearance of one order. ``state`` moves only forward (see
    customs.states): receipts that arrive late, twice or out of order never
    move it back."""

    class State(models.TextChoices):
        DECLARING = "declaring", _("Declaring")
        ACCEPTED = "accepted", _("Accepted by customs")
        REVIEW = "review", _("Manual review")
        INSPECTION = "inspection", _("Inspection")
        RELEASED = "released", _("Released")
        CLOSED = "closed", _("Customs closed")
        REJECTED = "rejected", _("Rejected by customs")
        CANCELLED = "cancelled", pgettext_lazy("declaration", "Cancelled")

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="declaration",
                                 verbose_name=_("order"))
    cop_no = models.CharField(max_length=30, unique=True,
                              help_text=_("Enterprise number (copNo) of the CEB621"),
                              verbose_name=_("enterprise number (copNo)"))
    logistics_no = models.CharField(max_length=30, unique=True, verbose_name=_("logistics no"))
    pre_no = models.CharField(max_length=20, blank=True, verbose_name=_("pre-entry number (preNo)"))
    invt_no = models.CharField(max_length=20, blank=True, db_index=True,
                               verbose_name=_("inventory list number (invtNo)"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.DECLARING,
                             db_index=True, verbose_name=_("state"))
    status_code = models.CharField(max_length=10, blank=True,
                                   help_text=_("Last applied returnStatus"),
                                   verbose_name=_("status code"))
    status_info = models.CharField(max_length=500, blank=True, verbose_name=_("status info"))
    last_return_time = models.CharField(max_length=17, blank=True,
                                        verbose_name=_("last return time"))
    customs_tax = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                      help_text=_("taxTotal of the CEB816 tax bill"),
                                      verbose_name=_("customs tax"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))
    changed_at = models.DateTimeField(db_index=True, verbose_name=_("changed at"))
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # Set while a cancellation (CEB623) awaits customs' answer: the order must
    # not ship meanwhile (customs may still approve it and the refund follow).
    cancel_requested_at = models.DateTimeField(null=True, blank=True,
                                               verbose_name=_("cancellation requested at"))

    class Meta:
        verbose_name = _("customs declaration")
        verbose_name_plural = _("customs declarations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.cop_no


class Message(models.Model):
    """Every CEB message Shequn sends, exactly as sent (signed, enveloped). A
    message is sent by the ``customs.send`` outbox event, which retries with
    backoff and ends as a dead letter operators can resend."""

    class State(models.TextChoices):
        # The moves between these are customs.states.MESSAGE_MOVES.
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Sending failed")
        CANCELLED = "cancelled", _("Given up")

    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="messages", verbose_name=_("declaration"))
    # CEB311, CEB411, CEB511, CEB621, CEB623, CEB625 …
    kind = models.CharField(max_length=10, verbose_name=_("kind"))
    cop_msg_id = models.CharField(max_length=40, unique=True,
                                  verbose_name=_("message ID (copMsgId)"))
    business_key = models.CharField(max_length=60, db_index=True, verbose_name=_("business key"))
    # The message as sent (signed, enveloped), encrypted: it carries the buyer's
    # ID number and phones in clear (invariant 7). See ``sent_bytes``.
    body_enc = models.TextField(verbose_name=_("body (encrypted)"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED,
                             verbose_name=_("state"))
    # Each hand-over is recorded (committed) before the gateway is called: the
    # attempt's number and start, so its outcome is applied only to it and a
    # send whose process died can be taken over once it is stale.
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    attempted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("attempted at"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    cancel_reason = models.CharField(max_length=200, blank=True,
                                     help_text=_("why an operator gave the message up"),
                                     verbose_name=_("reason given up"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("customs message")
        verbose_name_plural = _("customs messages")
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
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored (old or repeated state)")
        UNKNOWN = "unknown", _("No matching record")
        RECORDED = "recorded", _("Recorded")

    # the record: InventoryReturn, Tax, MessageReturn …
    kind = models.CharField(max_length=30, verbose_name=_("kind"))
    business_key = models.CharField(max_length=80, db_index=True, verbose_name=_("business key"))
    return_status = models.CharField(max_length=10, blank=True, verbose_name=_("return status"))
    return_time = models.CharField(max_length=17, blank=True, verbose_name=_("return time"))
    return_info = models.CharField(max_length=500, blank=True, verbose_name=_("return info"))
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("digest"))
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="receipts", verbose_name=_("declaration"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    received_at = models.DateTimeField(db_index=True, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("customs receipt")
        verbose_name_plural = _("customs receipts")
        ordering = ["return_time", "id"]

    # What each kind of record is, for people (the CEB name stays beside it).
    KINDS = {"OrderReturn": _("Order receipt (CEB312)"),
             "PaymentReturn": _("Payment receipt (CEB412)"),
             "LogisticsReturn": _("Waybill receipt (CEB512)"),
             "LogisticsStatusReturn": _("Shipping status receipt (CEB514)"),
             "InventoryReturn": _("Inventory receipt (CEB622)"),
             "InvtCancelReturn": _("Cancellation receipt (CEB624)"),
             "InvtRefundReturn": _("Return receipt (CEB626)"),
             "DeliveryReturn": _("Warehouse-entry receipt (CEB712)"),
             "MessageReturn": _("Message format receipt (CEB900)"),
             "Tax": _("Tax notice (CEB816)")}

    def kind_label(self) -> str:
        return str(self.KINDS.get(self.kind, self.kind))


class ReturnDeclaration(models.Model):
    """A return after delivery (CEB625, partial quantities allowed) for one
    approved after-sales request; the money goes back when customs accepts it."""

    class State(models.TextChoices):
        DECLARING = "declaring", _("Return declaring")
        ACCEPTED = "accepted", _("Return accepted")
        REJECTED = "rejected", _("Return rejected by customs")

    after_sale = models.OneToOneField(AfterSale, on_delete=models.PROTECT,
                                      related_name="customs_return",
                                      verbose_name=_("after-sales request"))
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT,
                                    related_name="returns", verbose_name=_("declaration"))
    # The CEB625 repeats the inventory's copNo, so its receipts (CEB626) correlate
    # to the declaration; one return is declared at a time per declaration.
    cop_no = models.CharField(max_length=30, db_index=True,
                              verbose_name=_("enterprise number (copNo)"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.DECLARING,
                             verbose_name=_("state"))
    status_code = models.CharField(max_length=10, blank=True, verbose_name=_("status code"))
    status_info = models.CharField(max_length=500, blank=True, verbose_name=_("status info"))
    last_return_time = models.CharField(max_length=17, blank=True,
                                        verbose_name=_("last return time"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    changed_at = models.DateTimeField(verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("return declaration")
        verbose_name_plural = _("return declarations")


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

    class Meta:
        verbose_name = _("customs simulator state")
        verbose_name_plural = _("customs simulator states")


class PaymentDeclaration(models.Model):
    """The request that WeChat Pay push one payment (or sub-order) record to
    customs (支付单报关) instead of a CEB411 of ours, and what WeChat and
    customs answered. The state moves are customs.states.PD_MOVES; the flow is
    customs.paydecl."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be submitted")
        SUBMITTED = "submitted", _("Submitted to WeChat Pay")
        ACCEPTED = "accepted", _("Payment record accepted")
        FAILED = "failed", _("Payment declaration failed")
        EXCEPTION = "exception", _("Customs interface exception")

    order = models.ForeignKey(Order, on_delete=models.PROTECT,
                              related_name="payment_declarations", verbose_name=_("order"))
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT,
                                related_name="customs_declarations", verbose_name=_("payment"))
    sub_order_no = models.CharField(max_length=32, blank=True, default="",
                                    verbose_name=_("sub-order number"))
    sub_order_id = models.CharField(max_length=64, blank=True,
                                    verbose_name=_("WeChat sub-order ID"))
    customs = models.CharField(max_length=32, verbose_name=_("customs office code"))
    mch_customs_no = models.CharField(max_length=32, blank=True,
                                      verbose_name=_("merchant customs registration number"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED,
                             db_index=True, verbose_name=_("state"))
    action_type = models.CharField(max_length=6, default="ADD", verbose_name=_("action type"))
    wx_state = models.CharField(max_length=12, blank=True,
                                verbose_name=_("WeChat declaration state"))
    cert_check_result = models.CharField(max_length=10, blank=True,
                                         verbose_name=_("identity check result"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("customs error"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    polls = models.PositiveIntegerField(default=0, verbose_name=_("queries"))
    repushes = models.PositiveIntegerField(default=0, verbose_name=_("re-pushes"))
    wx_modify_time = models.CharField(max_length=14, blank=True,
                                      verbose_name=_("WeChat modify time"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    changed_at = models.DateTimeField(verbose_name=_("changed at"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                        verbose_name=_("next query at"))
    # The order was held for this declaration (FAIL or a different payer), and
    # when an operator cleared that hold (the declaration then goes on).
    held_at = models.DateTimeField(null=True, blank=True, verbose_name=_("held at"))
    hold_cleared_at = models.DateTimeField(null=True, blank=True,
                                           verbose_name=_("hold cleared at"))

    class Meta:
        verbose_name = _("WeChat payment declaration")
        verbose_name_plural = _("WeChat payment declarations")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["payment", "sub_order_no"],
                                               name="uniq_payment_declaration")]

    def __str__(self) -> str:
        return f"{self.payment_id}:{self.sub_order_no or '-'}"
