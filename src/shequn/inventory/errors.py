from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class InventoryError(CodedError):
    OUT_OF_STOCK = ("out_of_stock", _("Not enough stock"), 409)
    UNKNOWN_WAREHOUSE = ("unknown_warehouse", _("Unknown warehouse"), 404)
    INVALID_QTY = ("invalid_qty", _("Invalid quantity"), 422)
    RESERVATION_NOT_FOUND = ("reservation_not_found", _("Reservation not found"), 404)
    INVALID_REF = ("invalid_ref", _("Invalid reservation reference"), 422)
    BATCH_MISMATCH = ("batch_mismatch", _("The lot exists with a different expiry date"), 409)
    UNKNOWN_STOCK = ("unknown_stock", _("Unknown stock row"), 404)
    NEGATIVE_STOCK = ("negative_stock",
                      _("Stock cannot go below zero (or below the units held for orders)"), 409)
    SAME_WAREHOUSE = ("same_warehouse", _("Choose another warehouse to transfer to"), 422)
