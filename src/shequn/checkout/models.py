from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.catalog.models import SKU
from shequn.core import regions
from shequn.shops.models import Listing, Shop


class BuyerIdentity(models.Model):
    """实名信息: real name + resident ID of the person who orders (订购人).
    The ID is encrypted; ``id_hash`` is for lookups and the quota ledger."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="identities", verbose_name=_("user"))
    name = models.CharField(max_length=60, verbose_name=_("name"))
    id_enc = models.TextField(verbose_name=_("ID number (encrypted)"))
    id_hash = models.CharField(max_length=64, db_index=True, verbose_name=_("ID number (hash)"))
    id_masked = models.CharField(max_length=20, verbose_name=_("ID number (masked)"))
    phone_enc = models.TextField(verbose_name=_("phone (encrypted)"))
    phone_hash = models.CharField(max_length=64, verbose_name=_("phone (hash)"))
    phone_masked = models.CharField(max_length=20, verbose_name=_("phone (masked)"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("buyer identity")
        verbose_name_plural = _("buyer identities")
        constraints = [models.UniqueConstraint(fields=["user", "id_hash"],
                                               name="uniq_identity_user_id")]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"


class Address(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="addresses", verbose_name=_("user"))
    consignee = models.CharField(max_length=60, verbose_name=_("consignee"))
    phone_enc = models.TextField(verbose_name=_("phone (encrypted)"))
    phone_hash = models.CharField(max_length=64, verbose_name=_("phone (hash)"))
    phone_masked = models.CharField(max_length=20, verbose_name=_("phone (masked)"))
    province = models.CharField(max_length=20, verbose_name=_("province"))
    city = models.CharField(max_length=20, verbose_name=_("city"))
    district = models.CharField(max_length=20, verbose_name=_("district"))
    district_code = models.CharField(max_length=6, verbose_name=_("district code"))
    detail = models.CharField(max_length=120, verbose_name=_("detail"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    @property
    def full_address(self) -> str:
        return regions.join_names(self.province, self.city, self.district) + self.detail

    def __str__(self) -> str:
        return f"{self.consignee} {self.full_address}"


class Cart(models.Model):
    """A buyer's cart, kept in the session before sign-in and adopted after.
    The attributed leader/shop comes from a verified share token."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False,
                          verbose_name=_("ID"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="carts", verbose_name=_("user"))
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.SET_NULL,
                             verbose_name=_("shop"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("leader"))
    attributed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("attributed at"))
    attribution_channel = models.CharField(max_length=20, blank=True,
                                           verbose_name=_("attribution channel"))
    version = models.PositiveIntegerField(default=0, help_text=_("Bumped on every change"),
                                          verbose_name=_("version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines",
                             verbose_name=_("cart"))
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, verbose_name=_("SKU"))
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL,
                                verbose_name=_("listing"))
    qty = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2,
                                     help_text=_("Price seen when added; a change makes it stale"),
                                     verbose_name=_("unit price"))

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [models.UniqueConstraint(fields=["cart", "sku"], name="uniq_cart_sku")]
        ordering = ["id"]
