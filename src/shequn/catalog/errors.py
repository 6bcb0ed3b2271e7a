from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class CatalogError(CodedError):
    UNKNOWN_SKU = ("unknown_sku", _("Unknown SKU"), 404)
    UNKNOWN_PRODUCT = ("unknown_product", _("Unknown product"), 404)
    SKU_INACTIVE = ("sku_inactive", _("This item is no longer on sale"), 409)
    NOT_ON_POSITIVE_LIST = ("not_on_positive_list",
                            _("The HS code's tariff line is not "
                              "on the CBEC retail import positive list"), 422)
    BONDED_ONLY = ("bonded_only",
                   _("This item may only be sold through "
                     "bonded import (1210), not direct mail (9610)"), 422)
    OVER_POSITIVE_LIST_QTY_CAP = ("over_positive_list_qty_cap",
                                  _("Quantity exceeds the per-order cap "
                                    "set by the positive list"), 422)
    INVALID_QTY = ("invalid_qty", _("Invalid quantity"), 422)
    INVALID_GTIN = ("invalid_gtin", _("Invalid GTIN (barcode)"), 422)
    INVALID_HS_CODE = ("invalid_hs_code", _("The HS code must be exactly 10 digits"), 422)
    INVALID_PRICE = ("invalid_price", _("Invalid price"), 422)
    INVALID_ORGANIZATION = ("invalid_organization",
                            _("The organization has the wrong kind for this role"), 422)
    DUPLICATE_SKU_CODE = ("duplicate_sku_code", _("SKU code already exists"), 409)
    PRICE_FORBIDDEN = ("price_forbidden",
                       _("Not allowed to change the price (leaders never set prices)"), 403)
