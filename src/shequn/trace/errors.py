"""Error codes of unit codes and the journey (generation, receiving by scan,
packing units into parcels). The verify page has its own module."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class TraceError(CodedError):
    # Generation
    UNKNOWN_SKU = ("trace_unknown_sku", _("Unknown SKU"), 404)
    NOT_YOUR_SKU = ("trace_not_your_sku",
                    _("Codes are generated only for your own products' SKUs"), 404)
    BAD_GTIN = ("trace_bad_gtin",
                _("This SKU has no valid GTIN: set its barcode number (8, 12, 13 or 14 "
                  "digits with a correct check digit) before generating codes"), 422)
    NOT_APPROVED = ("trace_product_not_approved",
                    _("Codes are generated only for products the operators approved: the "
                      "verify page calls an item with a code genuine"), 409)
    GTIN_OF_ANOTHER_BRAND = ("trace_gtin_of_another_brand",
                             _("This SKU's GTIN was registered on Shequn by another brand "
                               "first: codes are not generated for it"), 409)
    BAD_QUANTITY = ("trace_bad_quantity",
                    _("The quantity must be a whole number from 1 to 1,000,000"), 422)
    BAD_PER_CARTON = ("trace_bad_per_carton",
                      _("Units per carton must be a whole number from 0 (no cartons) to "
                        "10,000"), 422)
    BAD_LOT = ("trace_bad_lot",
               _("The lot must be 1 to 20 letters, digits, '-', '.' or '_'"), 422)
    BAD_EXPIRY = ("trace_bad_expiry", _("The expiry date is not a valid date"), 422)
    EXPIRED = ("trace_expired", _("This lot has already expired: codes are not made for expired "
                                  "goods"), 422)
    ASN_NOT_FOUND = ("trace_asn_not_found", _("ASN not found"), 404)
    ASN_CLOSED = ("trace_asn_closed",
                  _("Codes are generated only for ASNs that are not yet received or "
                    "cancelled"), 409)
    LINE_CODED = ("trace_asn_line_coded",
                  _("This ASN line's units already have codes, or fewer are left without "
                    "codes than asked for"), 409)
    BATCH_NOT_FOUND = ("trace_batch_not_found", _("Code batch not found"), 404)
    BATCH_NOT_DONE = ("trace_batch_not_done",
                      _("The codes are still being generated"), 409)
    BAD_PAGES = ("trace_bad_pages", _("Choose a page range within the label sheet"), 422)
    BAD_LABEL_START = ("trace_bad_label_start",
                       _("The first label must be a whole number from 1 to the number of "
                         "codes in the batch"), 400)
    BAD_LABEL_COUNT = ("trace_bad_label_count",
                       _("The number of labels must be a whole number of at least 1"), 400)
    # Scans
    BAD_CODE = ("trace_bad_code",
                _("Not a readable unit or carton code (GS1 Digital Link, element string, "
                  "SSCC or EPC URN)"), 422)
    UNKNOWN_CODE = ("trace_unknown_code", _("This code was not issued by Shequn"), 422)
    NOT_ON_ASN = ("trace_not_on_asn", _("This code is not on the ASN"), 422)
    CARTON_RECEIVED = ("trace_carton_received", _("This carton was already received"), 409)
    UNIT_RECEIVED = ("trace_unit_received", _("This unit was already received"), 409)
    EMPTY_CARTON = ("trace_empty_carton",
                    _("This carton holds no units waiting to be received"), 409)
    # Aggregation
    CARTON_INTO_ITSELF = ("trace_carton_into_itself",
                          _("A carton cannot be packed into itself"), 422)
    ALREADY_PACKED = ("trace_already_packed",
                      _("This unit or carton is already packed in a carton"), 409)
    NOT_A_CARTON = ("trace_not_a_carton",
                    _("Scan a carton (SSCC) as the outer package"), 422)
    NOTHING_TO_PACK = ("trace_nothing_to_pack",
                       _("Scan at least one unit or carton to pack"), 422)
    # Packing an order
    ORDER_NOT_FOUND = ("trace_order_not_found", _("Order not found"), 404)
    NOT_PACKABLE = ("trace_not_packable",
                    _("This order is not released and picked, or is already on a truck"),
                    409)
    SCAN_A_UNIT = ("trace_scan_a_unit",
                   _("Scan the unit's own code, not a carton's"), 422)
    OTHER_SKU = ("trace_other_sku", _("This unit is not of any product in this order"), 422)
    ALREADY_SOLD = ("trace_already_sold", _("This unit was already sold"), 409)
    RECALLED = ("trace_recalled", _("This unit is recalled: it must not be sold"), 409)
    DESTROYED = ("trace_destroyed", _("This unit was destroyed: it must not be sold"), 409)
    QUARANTINED = ("trace_quarantined",
                   _("This unit is in quarantine: it must not be sold"), 409)
    NOT_IN_WAREHOUSE = ("trace_not_in_warehouse",
                        _("This unit has not been received into this warehouse"), 409)
    LINE_FULL = ("trace_line_full",
                 _("All units of this product in the order are already scanned"), 409)
    WRONG_LOT = ("trace_wrong_lot",
                 _("This unit is not of a lot picked for this order, or its lot's picked "
                   "units are all scanned: scan a unit of a lot still to scan"), 409)
    PACK_INCOMPLETE = ("trace_pack_incomplete",
                       _("Scan every unit of the coded products before packing"), 409)
    NOT_BOUND = ("trace_not_bound", _("This unit is not packed for this order"), 422)
    NOT_ALLOWED = ("trace_not_allowed", _("You may not act on this warehouse"), 404)
