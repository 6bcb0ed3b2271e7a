from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """One account for every person. Buyers sign in by phone + one-time code
    (username is then ``p_<hash prefix>``); staff roles are Django groups:
    ``leader``, ``brand_staff``, ``operator``."""

    phone_enc = models.TextField(blank=True, verbose_name=_("phone (encrypted)"))
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True,
                                  verbose_name=_("phone (hash)"))
    phone_masked = models.CharField(max_length=20, blank=True, verbose_name=_("phone (masked)"))
    display_name = models.CharField(max_length=60, blank=True, verbose_name=_("display name"))
    # A square JPEG re-encoded by core/images.py (accounts/profile.py); shown on
    # the leader's posters and shop header.
    avatar = models.FileField(upload_to="avatars/", max_length=200, blank=True,
                              verbose_name=_("avatar"))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
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

    phone_hash = models.CharField(max_length=64, db_index=True, verbose_name=_("phone (hash)"))
    code_hash = models.CharField(max_length=64, verbose_name=_("code (hash)"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")


class WeChatAccount(models.Model):
    """A WeChat identity (an Official Account's openid, and the open platform's
    unionid when WeChat gave one) signed in as ``user``. One user may have
    several (one per AppID); an openid belongs to one user per AppID."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="wechat_accounts",
                             verbose_name=_("user"))
    appid = models.CharField(max_length=32, verbose_name=_("AppID"))
    openid = models.CharField(max_length=64, verbose_name=_("openid"))
    # Empty when WeChat gave none (snsapi_base without an open-platform binding).
    unionid = models.CharField(max_length=64, blank=True, default="", db_index=True,
                               verbose_name=_("unionid"))
    nickname = models.CharField(max_length=60, blank=True, verbose_name=_("nickname"))
    avatar_url = models.URLField(max_length=500, blank=True, verbose_name=_("avatar URL"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    last_sign_in_at = models.DateTimeField(verbose_name=_("last sign-in"))

    class Meta:
        verbose_name = _("WeChat account")
        verbose_name_plural = _("WeChat accounts")
        constraints = [
            models.UniqueConstraint(fields=["appid", "openid"], name="uniq_wechat_appid_openid"),
        ]

    def __str__(self) -> str:
        return f"{self.appid}:{self.openid[:6]}…"
