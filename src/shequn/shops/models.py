from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.catalog.models import Product
from shequn.core import clock


class Shop(models.Model):
    """A leader's micro-shop (盟店): zero inventory, prices from the seller."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="shops", verbose_name=_("owner"))
    slug = models.SlugField(max_length=40, unique=True, verbose_name=_("shop address"))
    name = models.CharField(max_length=60, verbose_name=_("name"))
    intro = models.CharField(max_length=500, blank=True, verbose_name=_("intro"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self) -> str:
        return self.name


class Listing(models.Model):
    """A product a leader picked for the shop. It has no price field on purpose."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="listings",
                             verbose_name=_("shop"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="listings",
                                verbose_name=_("product"))
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("shop listing")
        verbose_name_plural = _("shop listings")
        constraints = [models.UniqueConstraint(fields=["shop", "product"],
                                               name="uniq_listing_shop_product")]
        ordering = ["position", "id"]


class ShareVisit(models.Model):
    """One opening of a share link. Tampered or expired tokens are kept with
    ``valid=False`` (and logged) but never attribute anything."""

    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="visits", verbose_name=_("shop"))
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL,
                                verbose_name=_("listing"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("leader"))
    valid = models.BooleanField(default=True, verbose_name=_("valid"))
    reason = models.CharField(max_length=40, blank=True, verbose_name=_("reason"))
    channel = models.CharField(max_length=20, default="link", verbose_name=_("channel"))
    session_key = models.CharField(max_length=64, blank=True, verbose_name=_("session key"))
    token_issued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("token issued at"))
    at = models.DateTimeField(default=clock.now, db_index=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("share visit")
        verbose_name_plural = _("share visits")
