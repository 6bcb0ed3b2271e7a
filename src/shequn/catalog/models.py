from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class Organization(models.Model):
    class Kind(models.TextChoices):
        BRAND = "brand", "品牌方 Brand owner"
        EBC = "ebc", "跨境电商企业 E-commerce enterprise (seller of record)"
        PLATFORM = "platform", "电商平台 Platform"
        WAREHOUSE = "warehouse", "仓储企业 Warehouse operator"
        PAYMENT = "payment", "支付企业 Payment enterprise"
        LOGISTICS = "logistics", "物流企业 Logistics enterprise"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    customs_code = models.CharField(max_length=18, blank=True,
                                    help_text="海关注册编码 (ebcCode / ebpCode / agentCode)")
    country = models.CharField(max_length=3, blank=True, help_text="JGS-20 country code")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="organizations")

    def __str__(self) -> str:
        return self.name


class PositiveListLine(models.Model):
    """跨境电子商务零售进口商品清单: an 8-digit tariff line that may be imported
    through CBEC retail, with the list's notes."""

    tariff_line = models.CharField(max_length=8, unique=True)
    description = models.CharField(max_length=200)
    bonded_only = models.BooleanField(default=False, help_text="仅限网购保税 (1210 only)")
    per_order_qty_cap = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.tariff_line} {self.description}"


class Category(models.Model):
    name = models.CharField(max_length=60)
    slug = models.SlugField(unique=True)

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="brand_products")
    seller = models.ForeignKey(Organization, on_delete=models.PROTECT,
                               related_name="sold_products",
                               help_text="Seller of record: the cross-border e-commerce enterprise")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=250, help_text="中文品名 as sold")
    name_en = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    origin_country = models.CharField(max_length=3, help_text="JGS-20 origin country code")
    origin_country_name = models.CharField(max_length=40, blank=True)
    image = models.CharField(max_length=200, blank=True, help_text="static path of the picture")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class SKU(models.Model):
    class ConsumptionTaxRule(models.TextChoices):
        NONE = "none", "不征消费税 No consumption tax"
        ALWAYS = "always", "按税率征收 Always at the rate"
        HIGH_END_COSMETICS = "high_end_cosmetics", "高档化妆品 (≥10元/ml·g or ≥15元/片·支)"

    class ContentUnit(models.TextChoices):
        ML = "ml", "ml"
        G = "g", "g"
        PIECE = "piece", "片/支 piece"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(max_length=20, unique=True, help_text="itemNo")
    gtin = models.CharField(max_length=14, blank=True)
    gmodel = models.CharField(max_length=510, help_text="规格型号: brand, spec, content")
    hs_code = models.CharField(max_length=10, help_text="10-digit gcode")
    unit = models.CharField(max_length=3, help_text="transaction unit (JGS-20), e.g. 011 件")
    legal_unit1 = models.CharField(max_length=3)
    legal_qty1_per_unit = models.DecimalField(max_digits=12, decimal_places=5)
    legal_unit2 = models.CharField(max_length=3, blank=True)
    legal_qty2_per_unit = models.DecimalField(max_digits=12, decimal_places=5, null=True,
                                              blank=True)
    net_weight_kg = models.DecimalField(max_digits=10, decimal_places=5)
    gross_weight_kg = models.DecimalField(max_digits=10, decimal_places=5)
    net_content = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("1"))
    net_content_unit = models.CharField(max_length=5, choices=ContentUnit.choices,
                                        default=ContentUnit.PIECE)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.13"))
    consumption_tax_rate = models.DecimalField(max_digits=5, decimal_places=4,
                                               default=Decimal("0"))
    consumption_tax_rule = models.CharField(max_length=20, choices=ConsumptionTaxRule.choices,
                                            default=ConsumptionTaxRule.NONE)
    tariff_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"),
                                      help_text="MFN rate, used only in the full-tax case")
    bonded_only = models.BooleanField(default=False)
    price = models.DecimalField(max_digits=12, decimal_places=2,
                                help_text="Set by the seller; leaders cannot change it")
    price_includes_tax = models.BooleanField(default=False, help_text="包税")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "SKU"

    def __str__(self) -> str:
        return f"{self.code} {self.product.name} {self.gmodel}"
