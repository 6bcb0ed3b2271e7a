from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequn.catalog.names import shown


class Organization(models.Model):
    class Kind(models.TextChoices):
        BRAND = "brand", _("Brand owner")
        EBC = "ebc", _("E-commerce enterprise (seller of record)")
        PLATFORM = "platform", _("Platform")
        WAREHOUSE = "warehouse", _("Warehouse operator")
        PAYMENT = "payment", _("Payment enterprise")
        LOGISTICS = "logistics", _("Logistics enterprise")

    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    # A short stable handle (`shequn apikey create --org <code>`, spreadsheets, the API).
    code = models.SlugField(max_length=40, unique=True, null=True, blank=True,
                            verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    name_en = models.CharField(max_length=100, blank=True, verbose_name=_("English name"))
    customs_code = models.CharField(max_length=18, blank=True,
                                    help_text=_("Customs registration code "
                                                "(ebcCode / ebpCode / agentCode)"),
                                    verbose_name=_("customs code"))
    country = models.CharField(max_length=3, blank=True, help_text=_("JGS-20 country code"),
                               verbose_name=_("country"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="organizations", verbose_name=_("members"))

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name pages show: English on English pages when there is one (catalog.names)."""
        return shown(self.name, self.name_en)


class PositiveListLine(models.Model):
    """跨境电子商务零售进口商品清单: an 8-digit tariff line that may be imported
    through CBEC retail, with the list's notes."""

    tariff_line = models.CharField(max_length=8, unique=True, verbose_name=_("tariff line"))
    description = models.CharField(max_length=200, verbose_name=_("description"))
    bonded_only = models.BooleanField(default=False, help_text=_("Bonded import only (1210)"),
                                      verbose_name=_("bonded import only"))
    per_order_qty_cap = models.PositiveIntegerField(null=True, blank=True,
                                                    verbose_name=_("quantity cap per order"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("positive list line")
        verbose_name_plural = _("positive list")

    def __str__(self) -> str:
        return f"{self.tariff_line} {self.description}"


class Category(models.Model):
    name = models.CharField(max_length=60, verbose_name=_("name"))
    name_en = models.CharField(max_length=60, blank=True, default="",
                               verbose_name=_("English name"))
    slug = models.SlugField(unique=True, verbose_name=_("shop address"))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name pages show: English on English pages when there is one (catalog.names)."""
        return shown(self.name, self.name_en)


class Product(models.Model):
    class ReviewState(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("review", "Rejected")

    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="brand_products",
                              verbose_name=_("brand"))
    seller = models.ForeignKey(Organization, on_delete=models.PROTECT,
                               related_name="sold_products",
                               help_text=_("Seller of record: the cross-border "
                                           "e-commerce enterprise"),
                               verbose_name=_("seller of record"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 verbose_name=_("category"))
    name = models.CharField(max_length=250, help_text=_("Chinese product name as sold"),
                            verbose_name=_("name"))
    name_en = models.CharField(max_length=250, blank=True, verbose_name=_("English name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    description_en = models.TextField(blank=True, verbose_name=_("English description"))
    origin_country = models.CharField(max_length=3, help_text=_("JGS-20 origin country code"),
                                      verbose_name=_("origin country"))
    origin_country_name = models.CharField(max_length=40, blank=True,
                                           verbose_name=_("origin country name"))
    image = models.CharField(max_length=200, blank=True, help_text=_("Static path of the picture"),
                             verbose_name=_("image"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # New products wait for an operator's review before they are sold; changes to
    # tax-relevant fields of an approved product wait as a change request.
    review_state = models.CharField(max_length=10, choices=ReviewState.choices,
                                    default=ReviewState.APPROVED, db_index=True,
                                    verbose_name=_("review state"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name pages show: English on English pages when there is one
        (catalog.names); ``name`` stays the name declared to customs."""
        return shown(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        """The description pages show, by the same rule as ``display_name``."""
        return shown(self.description, self.description_en)


class SKU(models.Model):
    class ConsumptionTaxRule(models.TextChoices):
        NONE = "none", _("No consumption tax")
        ALWAYS = "always", _("Always at the rate")
        HIGH_END_COSMETICS = "high_end_cosmetics", _(
            "High-end cosmetics (≥ 10 CNY per ml or g, or ≥ 15 CNY per piece)")

    class ContentUnit(models.TextChoices):
        ML = "ml", "ml"
        G = "g", "g"
        PIECE = "piece", _("piece")

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus",
                                verbose_name=_("product"))
    code = models.CharField(max_length=20, unique=True, help_text=_("itemNo"),
                            verbose_name=_("code"))
    gtin = models.CharField(max_length=14, blank=True, verbose_name=_("GTIN"))
    gmodel = models.CharField(max_length=510, help_text=_("Specification: brand, spec, content"),
                              verbose_name=_("specification (gmodel)"))
    # The option's name on English pages ("30 ml bottle"); ``gmodel`` stays the
    # Chinese text declared to customs, which Chinese pages take the option from.
    label_en = models.CharField(max_length=100, blank=True,
                                verbose_name=_("English option label"))
    hs_code = models.CharField(max_length=10, help_text=_("10-digit gcode"),
                               verbose_name=_("HS code"))
    unit = models.CharField(max_length=3,
                            help_text=_("Transaction unit (JGS-20), e.g. 011 = piece"),
                            verbose_name=_("unit"))
    legal_unit1 = models.CharField(max_length=3, verbose_name=_("first legal unit"))
    legal_qty1_per_unit = models.DecimalField(max_digits=12, decimal_places=5,
                                              verbose_name=_("first legal quantity per unit"))
    legal_unit2 = models.CharField(max_length=3, blank=True, verbose_name=_("second legal unit"))
    legal_qty2_per_unit = models.DecimalField(max_digits=12, decimal_places=5, null=True,
                                              blank=True,
                                              verbose_name=_("second legal quantity per unit"))
    net_weight_kg = models.DecimalField(max_digits=10, decimal_places=5,
                                        verbose_name=_("net weight (kg)"))
    gross_weight_kg = models.DecimalField(max_digits=10, decimal_places=5,
                                          verbose_name=_("gross weight (kg)"))
    net_content = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("1"),
                                      verbose_name=_("net content"))
    net_content_unit = models.CharField(max_length=5, choices=ContentUnit.choices,
                                        default=ContentUnit.PIECE,
                                        verbose_name=_("net content unit"))
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.13"),
                                   verbose_name=_("VAT rate"))
    consumption_tax_rate = models.DecimalField(max_digits=5, decimal_places=4,
                                               default=Decimal("0"),
                                               verbose_name=_("consumption tax rate"))
    consumption_tax_rule = models.CharField(max_length=20, choices=ConsumptionTaxRule.choices,
                                            default=ConsumptionTaxRule.NONE,
                                            verbose_name=_("consumption tax rule"))
    tariff_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"),
                                      help_text=_("MFN rate, used only in the full-tax case"),
                                      verbose_name=_("tariff rate"))
    bonded_only = models.BooleanField(default=False, verbose_name=_("bonded import only"))
    price = models.DecimalField(max_digits=12, decimal_places=2,
                                help_text=_("Set by the seller; leaders cannot change it"),
                                verbose_name=_("price"))
    price_includes_tax = models.BooleanField(default=False,
                                             help_text=_("Tax included in the price"),
                                             verbose_name=_("price includes tax"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")

    def __str__(self) -> str:
        return f"{self.code} {self.product.name} {self.gmodel}"


class _ProductImageStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["product_images"]  # type: ignore[assignment]


product_images = _ProductImageStorage()


def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("STORAGES", "MEDIA_ROOT"):
        product_images._wrapped = empty  # type: ignore[assignment]


setting_changed.connect(_storages_changed)


def product_image_storage() -> Any:
    """The storage alias "product_images" (settings.STORAGES): local files under
    MEDIA_ROOT/products by default; object storage by configuration."""
    return product_images


class ProductImage(models.Model):
    """A picture of a product, re-encoded (EXIF gone) with its thumbnail. The
    first by ``position`` is the product's picture in the store and on posters."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images",
                                verbose_name=_("product"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    image = models.FileField(storage=product_image_storage, max_length=200,
                             verbose_name=_("image"))
    thumb = models.FileField(storage=product_image_storage, max_length=200,
                             verbose_name=_("thumbnail"))
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ("position", "id")
        indexes = [models.Index(fields=["product", "position"])]

    def __str__(self) -> str:
        return f"{self.product_id}#{self.position}"  # type: ignore[attr-defined]

    def url(self, *, thumb: bool = False) -> str:
        """Its public address (web/store/product_images.py); the SHA-256 prefix in it
        makes the answer cacheable for ever."""
        from django.urls import reverse

        return reverse("product_image", kwargs={
            "image_id": self.pk, "digest": self.sha256[:16],
            "size": "thumb" if thumb else "full"})

    def read(self, *, thumb: bool = False) -> bytes | None:
        """The stored JPEG (or its thumbnail), None when the storage lacks it."""
        field = self.thumb if thumb else self.image
        try:
            with product_images.open(field.name, "rb") as fh:
                return bytes(fh.read())
        except (OSError, ValueError):
            return None


class ChangeRequest(models.Model):
    """A change of tax-relevant fields of an approved product's SKU (or the product's
    origin) waiting for an operator: approved → applied, rejected → kept as it was."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("review", "Rejected")

    product = models.ForeignKey(Product, on_delete=models.CASCADE,
                                related_name="change_requests", verbose_name=_("product"))
    sku = models.ForeignKey(SKU, null=True, blank=True, on_delete=models.CASCADE,
                            related_name="change_requests", verbose_name=_("SKU"))
    # field → [old, new] as text (Decimals kept exact).
    changes = models.JSONField(default=dict, verbose_name=_("changes"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING,
                             db_index=True, verbose_name=_("state"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ("-requested_at", "-id")

    def __str__(self) -> str:
        return f"CR{self.pk} {self.product_id}"

    def diff(self) -> list[tuple[str, str, str, str]]:
        """(field, its name in the reader's language, old, new) for each change,
        by field: the name is the SKU's or the product's field's own."""
        out = []
        for field, (old, new) in sorted(self.changes.items()):
            label: Any = field
            for model in (SKU, Product):
                try:
                    label = getattr(model._meta.get_field(field), "verbose_name", field)
                    break
                except FieldDoesNotExist:
                    continue
            out.append((field, str(label), old, new))
        return out


class ImportJob(models.Model):
    """One XLSX import of an organization's products: validated row by row in the
    background (progress for the page), then applied all-or-nothing."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Checking rows")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Refused")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="import_jobs",
                                     verbose_name=_("organization"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    file = models.FileField(upload_to="imports/", max_length=200, verbose_name=_("file"))
    filename = models.CharField(max_length=200, blank=True, verbose_name=_("file name"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED,
                             verbose_name=_("state"))
    total_rows = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    done_rows = models.PositiveIntegerField(default=0, verbose_name=_("rows checked"))
    created_products = models.PositiveIntegerField(default=0,
                                                   verbose_name=_("products created"))
    created_skus = models.PositiveIntegerField(default=0, verbose_name=_("SKUs created"))
    updated_skus = models.PositiveIntegerField(default=0, verbose_name=_("SKUs updated"))
    # [{"row": n, "column": "hs_code", "code": "...", "message": "English"}]
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ("-created_at", "-id")

    @property
    def percent(self) -> int:
        if self.state in (self.State.DONE, self.State.FAILED):
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.done_rows * 100 / self.total_rows))
