"""Error codes of identities, addresses, cart and checkout."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class CheckoutError(CodedError):
    # Real-name identities and addresses.
    INVALID_ID_NUMBER = ("invalid_id_number", _("Invalid resident ID number"), 422)
    ID_BIRTHDATE_INVALID = ("id_birthdate_invalid",
                            _("The birth date in the resident ID number is invalid"), 422)
    INVALID_NAME = ("invalid_name", _("Name must be 2–30 Chinese characters or letters"), 422)
    INVALID_PHONE = ("invalid_phone", _("Invalid mainland mobile number"), 422)
    INVALID_DISTRICT_CODE = ("invalid_district_code", _("District code must be 6 digits"), 422)
    INVALID_ADDRESS = ("invalid_address",
                       _("Address incomplete or contains invalid characters"), 422)
    IDENTITY_NOT_FOUND = ("identity_not_found", _("Identity not found"), 404)
    ADDRESS_NOT_FOUND = ("address_not_found", _("Address not found"), 404)
    INVALID_REGION = (
        'invalid_region',
        _('The province, city and district do not exist or do not belong together'),
        422,
    )
    # Cart and checkout.
    EMPTY_CART = ("empty_cart", _("The cart is empty"), 422)
    UNKNOWN_SKU = ("unknown_sku", _("Unknown SKU"), 422)
    INVALID_QTY = ("invalid_qty", _("Quantity must be a positive integer"), 422)
    QTY_TOO_LARGE = ("qty_too_large", _("Quantity per line too large"), 422)
    TOO_MANY_LINES = ("too_many_lines", _("Too many lines in the cart"), 422)
    STALE_CART = ("stale_cart", _("The cart changed, reload and try again"), 409)
    OVER_SINGLE_LIMIT = ("over_single_limit",
                         _("Over the CBEC single-transaction limit (5,000 CNY)"), 422)
    OVER_ANNUAL_LIMIT = ("over_annual_limit", _("Over the CBEC annual limit (26,000 CNY)"), 422)
    IDENTITY_MISMATCH = ("identity_mismatch", _("Orderer and payer identities do not match"), 422)
    OUT_OF_STOCK = ("out_of_stock", _("Out of stock"), 409)
    NOT_SELLABLE = ("not_sellable", _("This item cannot be sold now"), 422)


class ListingError(CodedError):
    # Where a cart line says it was added: never attribution, see cart._checked_listing.
    UNKNOWN_LISTING = ("unknown_listing", _("Unknown listing"), 422)
    LISTING_NOT_SELLABLE = ("listing_not_sellable",
                            _("The listing is inactive or not of this product"), 422)
    LISTING_OTHER_SHOP = ("listing_other_shop",
                          _("The listing belongs to another shop than the cart's"), 422)
