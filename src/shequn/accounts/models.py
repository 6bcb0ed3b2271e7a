from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """One account for every person. Buyers sign in by phone + one-time code
    (username is then ``p_<hash prefix>``); staff roles are Django groups:
    ``leader``, ``brand_staff``, ``operator``."""

    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(max_length=20, blank=True)
    display_name = models.CharField(max_length=60, blank=True)
    # A square JPEG re-encoded by core/images.py (accounts/profile.py); shown on
    # the leader's posters and shop header.
    avatar = models.FileField(upload_to="avatars/", max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phone_hash"], condition=~models.Q(phone_hash=""),
                                    name="uniq_user_phone_hash"),
        ]

    def has_role(self, role: str) -> bool:
        if role == "operator" and self.is_superuser:
            return True
        return self.groups.filter(name=role).exists()


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS. Only its hash is kept."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
