"""Brand organizations' people, authorization grants (品牌授权) and the chain
cover that gates every sale, and organization API keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.catalog.models import SKU, Category, Organization


class Membership(models.Model):
    """A person's place in an organization (brand owner, importer / e-commerce
    enterprise, warehouse operator). The account's role group says which console
    they use; this row says whose data they see."""

    class Role(models.TextChoices):
        ADMIN = "brand_admin", _("Brand admin")
        STAFF = "brand_staff", _("Brand staff")
        WAREHOUSE = "warehouse_staff", _("Warehouse staff")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="memberships", verbose_name=_("organization"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", verbose_name=_("user"))
    role = models.CharField(max_length=20, choices=Role.choices, verbose_name=_("role"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["organization", "user"],
                                               name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organization_id} {self.role}"


class Invitation(models.Model):
    """An invitation to join an organization with a role, sent by an operator or a
    brand admin; accepted once through its link (only the token's hash is kept)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="invitations", verbose_name=_("organization"))
    role = models.CharField(max_length=20, choices=Membership.Role.choices,
                            verbose_name=_("role"))
    name = models.CharField(max_length=60, verbose_name=_("name"))
    phone_enc = models.TextField(blank=True, verbose_name=_("phone (encrypted)"))
    phone_masked = models.CharField(max_length=20, blank=True, verbose_name=_("phone (masked)"))
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token (hash)"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("accepted by"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")


def _grant_document_path(grant: Grant, filename: str) -> str:
    # Media is private (settings.MEDIA_ROOT): served only through a view that checks
    # who asks. Named by content hash: no user-chosen names on disk.
    return f"grants/{grant.brand_id}/{grant.document_sha256}"


class Grant(models.Model):
    """品牌授权: ``grantor`` authorizes ``grantee`` to sell ``brand``'s goods (all of
    them, some categories or listed SKUs) in cross-border retail between two dates.
    The chain check walks grants from the brand owner to the seller of record.
    No territorial clauses (Anti-Monopoly Law; docs/decisions)."""

    class Scope(models.TextChoices):
        ALL = "all", _("All products")
        CATEGORIES = "categories", _("Some categories")
        SKUS = "skus", _("Listed SKUs")

    class Channel(models.TextChoices):
        CBEC_RETAIL = "cbec_retail", _("Cross-border retail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        ACTIVE = "active", pgettext_lazy("grant", "Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", pgettext_lazy("grant", "Expired")
        REJECTED = "rejected", pgettext_lazy("grant", "Rejected")

    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="brand_grants",
                              verbose_name=_("brand"))
    grantor = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                related_name="grants_given", verbose_name=_("grantor"))
    grantee = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                related_name="grants_received", verbose_name=_("grantee"))
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.ALL,
                             verbose_name=_("scope"))
    categories = models.ManyToManyField(Category, blank=True, related_name="+",
                                        verbose_name=_("categories"))
    skus = models.ManyToManyField(SKU, blank=True, related_name="+", verbose_name=_("SKUs"))
    channel = models.CharField(max_length=20, choices=Channel.choices,
                               default=Channel.CBEC_RETAIL, verbose_name=_("channel"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(verbose_name=_("valid to"))
    document = models.FileField(upload_to=_grant_document_path, blank=True,
                                verbose_name=_("authorization document"))
    document_name = models.CharField(max_length=120, blank=True, verbose_name=_("document name"))
    document_type = models.CharField(max_length=40, blank=True, verbose_name=_("document type"))
    document_sha256 = models.CharField(max_length=64, blank=True,
                                       verbose_name=_("document SHA-256"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING,
                              db_index=True, verbose_name=_("status"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("authorization grant")
        verbose_name_plural = _("authorization grants")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.grantee} ({self.brand})"


class GrantLog(models.Model):
    """Append-only: who did what to a grant, when."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="log",
                              verbose_name=_("grant"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor"))
    action = models.CharField(max_length=30, verbose_name=_("action"))
    from_status = models.CharField(max_length=12, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=12, blank=True, verbose_name=_("to status"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("grant log entry")
        verbose_name_plural = _("grant log")
        ordering = ["at", "id"]

    # What the history shows for each action (brands.grants writes the codes).
    ACTIONS = {"create": _("Requested"), "approve": _("Approved"), "reject": _("Rejected"),
               "suspend": _("Suspended"), "reinstate": _("Reinstated"),
               "revoke": _("Revoked"), "expire": _("Expired")}

    def action_label(self) -> str:
        return str(self.ACTIONS.get(self.action, self.action))

    def from_label(self) -> str:
        return _status_label(self.from_status)

    def to_label(self) -> str:
        return _status_label(self.to_status)

    def note_shown(self) -> str:
        """The note as written, or a system note in the reader's language."""
        from django.utils.translation import gettext

        return gettext(self.note) if self.actor_id is None and self.note else self.note


def _status_label(status: str) -> str:
    try:
        return str(Grant.Status(status).label) if status else "—"
    except ValueError:  # a status no longer in use
        return status


class ChainCover(models.Model):
    """A computed, unbroken path of active grants from a SKU's brand owner to its
    seller of record, valid from one date to another (the intersection of its
    grants' validity). Rewritten whenever a grant, product or SKU changes, so the
    checks on the sale path are one indexed lookup: is there a row for this SKU
    whose dates include today?"""

    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="chain_covers",
                            verbose_name=_("SKU"))
    seller = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("seller of record"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_to = models.DateField(verbose_name=_("valid to"))
    grant_ids = models.JSONField(default=list, verbose_name=_("grants"))

    class Meta:
        verbose_name = _("chain cover")
        verbose_name_plural = _("chain covers")
        indexes = [models.Index(fields=["sku", "valid_to", "valid_from"],
                                name="chaincover_sku_dates")]


class ApiKey(models.Model):
    """An organization's key to the partner API (or the platform's, with no
    organization). Only a hash is kept; the key is shown once when created."""

    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="api_keys",
                                     verbose_name=_("organization"))
    name = models.CharField(max_length=60, blank=True, verbose_name=_("name"))
    prefix = models.CharField(max_length=16, unique=True, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, verbose_name=_("key (hash)"))
    scopes = models.JSONField(default=list, verbose_name=_("scopes"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.prefix}…"
