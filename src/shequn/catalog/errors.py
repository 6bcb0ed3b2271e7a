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
    GTIN_OF_ANOTHER_BRAND = ("gtin_of_another_brand",
                             _("This GTIN (barcode) is already registered to another brand's "
                               "product"), 409)
    PRICE_FORBIDDEN = ("price_forbidden",
                       _("Not allowed to change the price (leaders never set prices)"), 403)
    # Field checks of what a brand enters (validators.py); each names the field.
    INVALID_UNIT = ("invalid_unit", _("Not a unit code of the customs unit list (JGS-20)"), 422)
    INVALID_COUNTRY = ("invalid_country",
                       _("Not a country code of the customs country list (JGS-20)"), 422)
    INVALID_VAT_RATE = ("invalid_vat_rate",
                        _("VAT rate must be 0.13, 0.09, 0.06 or 0 (a fraction, not a percent)"),
                        422)
    INVALID_CONSUMPTION_TAX = ("invalid_consumption_tax",
                               _("Consumption-tax rate and rule do not agree: no rule needs "
                                 "rate 0, a rule needs a rate between 0 and 1"), 422)
    INVALID_RATE = ("invalid_rate", _("A rate must be a fraction between 0 and 1"), 422)
    INVALID_NET_CONTENT = ("invalid_net_content",
                           _("Net content must be greater than 0 with a unit (ml, g or piece)"),
                           422)
    INVALID_WEIGHT = ("invalid_weight",
                      _("Weights must be greater than 0 kg and the gross weight "
                        "not less than the net weight"), 422)
    INVALID_QUANTITY = ("invalid_legal_quantity",
                        _("A legal quantity must be a number greater than 0"), 422)
    SECOND_UNIT_MISMATCH = ("second_legal_unit_mismatch",
                            _("Give both the second legal unit and its quantity, or neither"),
                            422)
    BONDED_ONLY_REQUIRED = ("bonded_only_required",
                            _("The positive list allows this tariff line through bonded "
                              "import only: the item must be marked bonded only"), 422)
    REQUIRED = ("required", _("This field is required"), 422)
    TOO_LONG = ("too_long", _("This text is too long"), 422)
    INVALID_CHOICE = ("invalid_choice", _("Not one of the allowed values"), 422)
    INVALID_NUMBER = ("invalid_number", _("Not a number"), 422)
    INVALID_FIELDS = ("invalid_fields", _("Some fields are not valid; see each field"), 422)
    UNKNOWN_ORGANIZATION = ("unknown_organization", _("Unknown organization"), 404)
    NOT_YOURS = ("not_your_product", _("Unknown product"), 404)
    REVIEW_PENDING = ("product_not_approved",
                      _("This product is waiting for an operator's review and is not on sale"),
                      409)
    BAD_REVIEW_STATE = ("bad_review_state",
                        _("The product is not in a state that allows this"), 409)
    CHANGE_PENDING = ("change_request_pending",
                      _("A change of tax fields for this item is already waiting for review"),
                      409)
    UNKNOWN_CHANGE_REQUEST = ("unknown_change_request", _("Unknown change request"), 404)
    CHANGE_DECIDED = ("change_request_decided", _("This change request was already decided"),
                      409)
    NOTE_REQUIRED = ("note_required", _("Please give a note for the decision"), 422)
    NOT_AN_IMAGE = ("not_an_image", _("The file is not a picture (JPEG, PNG, WebP or GIF)"), 415)
    IMAGE_TOO_LARGE = ("image_too_large", _("The picture is too large"), 413)
    TOO_MANY_IMAGES = ("too_many_images", _("A product has at most 12 pictures"), 422)
    UNKNOWN_IMAGE = ("unknown_image", _("Unknown picture"), 404)
    NOT_XLSX = ("not_xlsx", _("The file is not an Excel workbook (.xlsx)"), 415)
    SHEET_TOO_LARGE = ("sheet_too_many_rows",
                       _("The sheet has more rows than one import may hold"), 413)
    SHEET_COLUMNS = ("sheet_wrong_columns",
                     _("The sheet's header row does not have the expected columns"), 422)
    SHEET_FORMULA = ("sheet_formula", _("Formulas are not accepted; enter plain values"), 422)
    SHEET_EMPTY = ("sheet_empty", _("The sheet has no rows to import"), 422)
    IMPORT_INVALID = ("import_invalid",
                      _("Nothing was imported: some rows have errors (see the report)"), 422)
    UNKNOWN_IMPORT = ("unknown_import", _("Unknown import"), 404)
    OPERATOR_ONLY = ("operator_only", _("Only an operator may decide reviews"), 403)
