from __future__ import annotations

from shequn.core.errors import CodedError


class CatalogError(CodedError):
    UNKNOWN_SKU = ("unknown_sku", "商品规格不存在", "Unknown SKU", 404)
    UNKNOWN_PRODUCT = ("unknown_product", "商品不存在", "Unknown product", 404)
    SKU_INACTIVE = ("sku_inactive", "该商品已下架", "This item is no longer on sale", 409)
    NOT_ON_POSITIVE_LIST = (
        "not_on_positive_list", "该商品不在跨境电商零售进口商品清单内",
        "The HS code's tariff line is not on the CBEC retail import positive list", 422)
    BONDED_ONLY = (
        "bonded_only", "该商品仅限网购保税进口（1210），不能以直购进口（9610）销售",
        "This item may only be sold through bonded import (1210), not direct mail (9610)", 422)
    OVER_POSITIVE_LIST_QTY_CAP = (
        "over_positive_list_qty_cap", "超过清单规定的单次购买数量上限",
        "Quantity exceeds the per-order cap set by the positive list", 422)
    INVALID_QTY = ("invalid_qty", "购买数量无效", "Invalid quantity", 422)
    INVALID_GTIN = ("invalid_gtin", "商品条码（GTIN）无效", "Invalid GTIN (barcode)", 422)
    INVALID_HS_CODE = ("invalid_hs_code", "HS 编码必须是 10 位数字",
                       "The HS code must be exactly 10 digits", 422)
    INVALID_PRICE = ("invalid_price", "价格无效", "Invalid price", 422)
    INVALID_ORGANIZATION = ("invalid_organization", "机构类型不符",
                            "The organization has the wrong kind for this role", 422)
    DUPLICATE_SKU_CODE = ("duplicate_sku_code", "商品货号已存在", "SKU code already exists", 409)
    PRICE_FORBIDDEN = ("price_forbidden", "无权修改价格（团长不能改价）",
                       "Not allowed to change the price (leaders never set prices)", 403)
