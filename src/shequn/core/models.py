from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the state change that
    caused it (transactional outbox, ARCHITECTURE §4.6). A relay hands it to the
    job runner; handlers are idempotent because delivery is at least once."""

    topic = models.CharField(max_length=80, db_index=True, verbose_name=_("topic"))
    aggregate = models.CharField(max_length=80, blank=True, verbose_name=_("aggregate"))
    aggregate_id = models.CharField(max_length=64, blank=True, verbose_name=_("aggregate ID"))
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    available_at = models.DateTimeField(db_index=True, verbose_name=_("available at"))
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                        verbose_name=_("processed at"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    # Production runtime (relay.py): when the relay last handed the event to the
    # broker (after the publisher confirm). Null = not yet published.
    relayed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("relayed at"))
    # A dead letter: failed MAX_ATTEMPTS times; nothing retries it until an
    # operator resends it (attempts reset) or cancels it.
    dead_at = models.DateTimeField(null=True, blank=True, verbose_name=_("dead-lettered at"))
    # Cancelled by an operator: processed_at is set too, so every "still to do"
    # query (processed_at IS NULL) leaves it alone; the handlers never ran.
    discarded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    discard_reason = models.TextField(blank=True, verbose_name=_("discard reason"))

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [models.Index(fields=["processed_at", "available_at"]),
                   models.Index(fields=["processed_at", "relayed_at"],
                                name="core_outbox_unrelayed_idx")]

    def __str__(self) -> str:
        return f"{self.topic}#{self.pk}"

    @property
    def state(self) -> str:
        """pending (not yet with the broker) / relayed / processed / dead / discarded."""
        if self.discarded_at is not None:
            return "discarded"
        if self.processed_at is not None:
            return "processed"
        if self.dead_at is not None:
            return "dead"
        if self.relayed_at is not None:
            return "relayed"
        return "pending"


class AuditLog(models.Model):
    """Append-only record of operator and security-relevant actions."""

    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor"))
    action = models.CharField(max_length=80, db_index=True, verbose_name=_("action"))
    object_type = models.CharField(max_length=80, blank=True, verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, blank=True, verbose_name=_("object ID"))
    detail = models.JSONField(default=dict, blank=True, verbose_name=_("detail"))

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class Counter(models.Model):
    """Named counters for databases without sequences (SQLite); PostgreSQL uses
    real sequences (see ids.py)."""

    name = models.CharField(max_length=40, primary_key=True, verbose_name=_("name"))
    value = models.BigIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")


class Notice(models.Model):
    """A message to one person, shown in their console (brand, warehouse, leader,
    ops). ``message`` is an English msgid with ``{name}`` placeholders filled
    from ``params`` when shown, so each reader sees it in their own language
    (core.notices.text)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notices", verbose_name=_("user"))
    kind = models.CharField(max_length=40, db_index=True, verbose_name=_("kind"))
    message = models.CharField(max_length=300, verbose_name=_("message"))
    params = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    url = models.CharField(max_length=300, blank=True, verbose_name=_("link"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"
