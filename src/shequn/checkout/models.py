from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from shequn.catalog.models import SKU
from shequn.core import regions
from shequn.shops.models import Listing, Shop


class BuyerIdentity(models.Model):
    """实名信息: real name + resident ID of the person who orders (订购人).
    The ID is encrypted; ``id_hash`` is for lookups and the quota ledger."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="identities")
    name = models.CharField(max_length=60)
    id_enc = models.TextField()
    id_hash = models.CharField(max_length=64, db_index=True)
    id_masked = models.CharField(max_length=20)
    phone_enc = models.TextField()
    phone_hash = models.CharField(max_length=64)
    phone_masked = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "id_hash"],
                                               name="uniq_identity_user_id")]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"


class Address(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="addresses")
    consignee = models.CharField(max_length=60)
    phone_enc = models.TextField()
    phone_hash = models.CharField(max_length=64)
    phone_masked = models.CharField(max_length=20)
    province = models.CharField(max_length=20)
    city = models.CharField(max_length=20)
    district = models.CharField(max_length=20)
    district_code = models.CharField(max_length=6)
    detail = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def full_address(self) -> str:
        return regions.join_names(self.province, self.city, self.district) + self.detail

    def __str__(self) -> str:
        return f"{self.consignee} {self.full_address}"


class Cart(models.Model):
    """A buyer's cart, kept in the session before sign-in and adopted after.
    The attributed leader/shop comes from a verified share token."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="carts")
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.SET_NULL)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    attributed_at = models.DateTimeField(null=True, blank=True)
    attribution_channel = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="bumped on every change")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT)
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL)
    qty = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2,
                                     help_text="price seen when added; a change makes it stale")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "sku"], name="uniq_cart_sku")]
        ordering = ["id"]
