from __future__ import annotations

from django.conf import settings
from django.db import models

from shequn.catalog.models import Product
from shequn.core import clock


class Shop(models.Model):
    """A leader's micro-shop (盟店): zero inventory, prices from the seller."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="shops")
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    intro = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Listing(models.Model):
    """A product a leader picked for the shop. It has no price field on purpose."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="listings")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="listings")
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "product"],
                                               name="uniq_listing_shop_product")]
        ordering = ["position", "id"]


class ShareVisit(models.Model):
    """One opening of a share link. Tampered or expired tokens are kept with
    ``valid=False`` (and logged) but never attribute anything."""

    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="visits")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    valid = models.BooleanField(default=True)
    reason = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=20, default="link")
    session_key = models.CharField(max_length=64, blank=True)
    token_issued_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=clock.now, db_index=True)
