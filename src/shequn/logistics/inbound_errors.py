"""Error codes of inbound logistics (ASNs, receiving, transfers, adjustments,
return inspection)."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class InboundError(CodedError):
    UNKNOWN_WAREHOUSE = ("unknown_warehouse", _("Unknown warehouse"), 422)
    UNKNOWN_SKU = ("unknown_sku", _("Unknown SKU"), 422)
    FOREIGN_SKU = ("foreign_sku", _("This SKU belongs to another organization"), 422)
    BAD_QTY = ("invalid_qty", _("Quantities must be whole numbers from 1 to 1,000,000"), 422)
    BAD_COUNT = ("invalid_count", _("Counts must be whole numbers from 0 to 1,000,000, "
                                    "damaged no more than counted"), 422)
    NO_LINES = ("no_lines", _("An ASN needs at least one line and at most 200"), 422)
    BAD_LINE = ("invalid_line", _("Each line needs a SKU, a lot and a quantity"), 422)
    DUPLICATE_LINE = ("duplicate_line", _("The same SKU and lot appear twice"), 422)
    REVERSED_DATES = ("reversed_dates",
                      _("The goods would expire before they arrive (expiry before the "
                        "expected date)"), 422)
    BAD_DATE = ("invalid_date", _("The expected date is too far in the past or future"), 422)
    EMS_MISMATCH = ("ems_mismatch",
                    _("The account book number is not the warehouse's"), 422)
    BATCH_MISMATCH = ("batch_mismatch", _("The lot exists with a different expiry date"), 409)
    ASN_NOT_FOUND = ("asn_not_found", _("ASN not found"), 404)
    ASN_CLOSED = ("asn_closed", _("This ASN cannot be changed in its current status"), 409)
    CODE_NOT_ON_ASN = ("code_not_on_asn", _("This code is not on the ASN"), 422)
    REASON_REQUIRED = ("reason_required",
                       _("Give a reason for every short, over or damaged line"), 422)
    NOTE_REQUIRED = ("note_required", _("Say why"), 422)
    SAME_WAREHOUSE = ("same_warehouse", _("Choose another warehouse to transfer to"), 422)
    NOT_IN_WAREHOUSE = ("not_in_warehouse", _("That stock is not in this warehouse"), 422)
    RETURN_NOT_FOUND = ("return_not_found", _("Return not found"), 404)
    RETURN_NOT_APPROVED = ("return_not_approved",
                           _("Only approved returns are inspected"), 409)
    INSPECT_TOO_MANY = ("inspect_too_many",
                        _("More units than are left to inspect on this line"), 422)
    NO_BATCH = ("no_batch", _("No batch of this order is known to put the units back to"),
                409)
