"""Leaders, the recruitment tree and customer binding (the network half of
distribution; money lives in ``shequn.commission``, decision 0002).

No money ever flows along the recruitment tree: who invited whom is kept for
team views, mentoring and analytics only. Paying an upline on a downline's
sales or per recruit is 传销 under 《禁止传销条例》 Art. 7."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Materialised path: one fixed-width base-36 segment per level (the profile id).
# 7 characters hold ids up to 36**7 - 1 (about 78 billion); 100 levels fit.
SEGMENT_WIDTH = 7
MAX_DEPTH = 99
PATH_MAX_LENGTH = SEGMENT_WIDTH * (MAX_DEPTH + 1)

CHANNELS = ("link", "poster", "code")


class LeaderProfile(models.Model):
    """A member's leader application and, once approved, their leader profile.

    ``inviter`` (adjacency), ``path`` and ``depth`` are written once, at
    approval, and never changed. ``team_size`` / ``team_depth`` are counters
    of the subtree below, kept by the approval service so team views stay O(1)
    at a million leaders. Not one of these fields is used to compute money."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        FROZEN = "frozen", _("Frozen")
        TERMINATED = "terminated", _("Terminated")

    class Grade(models.TextChoices):
        TRAINEE = "trainee", _("Trainee")
        REGULAR = "regular", _("Regular")
        GOLD = "gold", _("Gold")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="leader_profile", verbose_name=_("user"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING,
                              db_index=True, verbose_name=_("status"))
    # Application (real name and phone are personal data: encrypted, hashed, masked).
    real_name_enc = models.TextField(verbose_name=_("real name (encrypted)"))
    real_name_masked = models.CharField(max_length=40, verbose_name=_("real name (masked)"))
    phone_enc = models.TextField(verbose_name=_("phone (encrypted)"))
    phone_hash = models.CharField(max_length=64, db_index=True, verbose_name=_("phone (hash)"))
    phone_masked = models.CharField(max_length=20, verbose_name=_("phone (masked)"))
    region = models.CharField(max_length=60, verbose_name=_("region"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    invite_code_used = models.CharField(max_length=16, blank=True,
                                        help_text=_("The inviter's code given when applying"),
                                        verbose_name=_("invite code used"))
    applied_at = models.DateTimeField(verbose_name=_("applied at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("decided by"))
    decision_reason = models.CharField(max_length=200, blank=True,
                                       verbose_name=_("decision reason"))
    status_changed_at = models.DateTimeField(verbose_name=_("status changed at"))

    # Leader (filled at approval).
    invite_code = models.CharField(max_length=16, null=True, blank=True, unique=True,
                                   verbose_name=_("invite code"))
    shop = models.ForeignKey("shops.Shop", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("shop"))
    grade = models.CharField(max_length=10, choices=Grade.choices, default=Grade.TRAINEE,
                             verbose_name=_("grade"))
    grade_at = models.DateTimeField(null=True, blank=True, verbose_name=_("graded at"))

    # Recruitment tree (display and analytics only).
    inviter = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="invitees", db_index=False, verbose_name=_("inviter"))
    path = models.CharField(max_length=PATH_MAX_LENGTH, blank=True, verbose_name=_("path"))
    depth = models.PositiveIntegerField(default=0, verbose_name=_("depth"))
    team_size = models.PositiveIntegerField(default=0, verbose_name=_("team size"))
    team_depth = models.PositiveIntegerField(default=0, verbose_name=_("team depth"))

    class Meta:
        verbose_name = _("leader")
        verbose_name_plural = _("leaders")
        indexes = [
            # Prefix queries (path LIKE 'abc%') on PostgreSQL need a pattern opclass
            # unless the database collation is C; other backends ignore opclasses.
            models.Index(fields=["path"], name="dist_leader_path_prefix",
                         opclasses=["varchar_pattern_ops"]),
            # Direct invitees, paged in id order.
            models.Index(fields=["inviter", "id"], name="dist_leader_inviter_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(inviter__isnull=True) | ~Q(inviter=F("id")),
                                   name="dist_leader_not_self_invited"),
        ]

    def __str__(self) -> str:
        return f"{self.real_name_masked} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.APPROVED


class LeaderStatusChange(models.Model):
    """Every decision on an application or leader, with its reason."""

    profile = models.ForeignKey(LeaderProfile, on_delete=models.CASCADE,
                                related_name="status_changes", verbose_name=_("profile"))
    from_status = models.CharField(max_length=12, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=12, verbose_name=_("to status"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    at = models.DateTimeField(verbose_name=_("time"))

    class Meta:
        verbose_name = _("leader status change")
        verbose_name_plural = _("leader status changes")
        ordering = ["at", "id"]


class CustomerBinding(models.Model):
    """客户关系绑定: the leader a buyer is currently bound to (one row per buyer).
    Orders snapshot their leader, so changing this never touches placed orders."""

    buyer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="leader_binding", verbose_name=_("buyer"))
    leader = models.ForeignKey(LeaderProfile, on_delete=models.PROTECT,
                               related_name="customers", verbose_name=_("leader"))
    channel = models.CharField(max_length=10, verbose_name=_("channel"))
    # Validity ("days") and protection ("last_touch") are computed from bound_at
    # and the current policy, so changing the policy applies to every binding.
    bound_at = models.DateTimeField(verbose_name=_("bound at"))
    last_touch_at = models.DateTimeField(verbose_name=_("last touched at"))

    class Meta:
        verbose_name = _("customer binding")
        verbose_name_plural = _("customer bindings")
        indexes = [models.Index(fields=["leader", "bound_at"], name="dist_binding_leader")]


class BindingChange(models.Model):
    """History of every binding change (disputes are common)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("buyer"))
    old_leader = models.ForeignKey(LeaderProfile, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("old leader"))
    new_leader = models.ForeignKey(LeaderProfile, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("new leader"))
    channel = models.CharField(max_length=10, blank=True, verbose_name=_("channel"))
    reason = models.CharField(max_length=40, verbose_name=_("reason"))
    at = models.DateTimeField(verbose_name=_("time"))

    class Meta:
        verbose_name = _("binding change")
        verbose_name_plural = _("binding changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["buyer", "at"], name="dist_bindchange_buyer")]
