"""Error codes of micro-shops, listings and share links."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class ShopError(CodedError):
    SHOP_NOT_FOUND = ("shop_not_found", _("Shop not found"), 404)
    LISTING_NOT_FOUND = ("listing_not_found", _("Listing not found"), 404)
    INVALID_SLUG = ("invalid_slug", _("Shop slug: 3–40 lowercase letters, digits or hyphens"), 422)
    SLUG_TAKEN = ("slug_taken", _("This shop slug is taken"), 409)
    INVALID_SHOP_NAME = ("invalid_shop_name", _("Shop name: 1–60 characters without < or >"), 422)
    NOT_LEADER = ("not_leader", _("Only leaders can open a shop"), 403)
    NOT_SHOP_OWNER = ("not_shop_owner",
                      _("Only the shop owner or an operator may change this shop"), 403)
    PRODUCT_INACTIVE = ("product_inactive", _("The product is inactive and cannot be listed"), 422)
    PRODUCT_NOT_SELLABLE = ("product_not_sellable", _("The product is not sellable now"), 422)
    INVALID_CHANNEL = ("invalid_channel", _("Invalid share channel"), 422)
    INVALID_SHARE_TOKEN = ("invalid_share_token", _("The share link is invalid or expired"), 400)
    INVALID_INTRO = ("invalid_intro", _("Shop intro: at most 500 characters without < or >"), 422)
