"""Error codes of the outbound flow (pick, pack, exit, ship, tracking)."""

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class OutboundError(CodedError):
    NOT_ALLOWED = ("outbound_not_allowed", _("You may not act on this warehouse's orders"), 403)
    ORDER_NOT_FOUND = ("outbound_order_not_found", _("Order not found"), 404)
    NOT_RELEASED = ("outbound_not_released",
                    _("Customs has not released this order: it cannot be picked or shipped"),
                    409)
    NO_WAYBILL = ("outbound_no_waybill", _("The order has no carrier waybill yet"), 409)
    ALREADY_PICKING = ("outbound_already_picking", _("The order is already on a pick list"), 409)
    NOTHING_TO_PICK = ("outbound_nothing_to_pick", _("Choose at least one released order"), 422)
    NOT_PICKED = ("outbound_not_picked", _("Pick the order before packing it"), 409)
    ALREADY_PICKED = ("outbound_already_picked", _("This pick list is already picked"), 409)
    BAD_WEIGHT = ("outbound_bad_weight", _("Enter the parcel's weight in kg (0.001 to 30)"), 422)
    NOT_PACKED = ("outbound_not_packed", _("Pack the parcel before it leaves"), 409)
    ON_EXIT = ("outbound_on_exit", _("The parcel is already on a zone exit record"), 409)
    BAD_VEHICLE = ("outbound_bad_vehicle", _("Enter the truck's plate number"), 422)
    GATE_PASSED = ("outbound_gate_passed", _("This truck has already passed the gate"), 409)
    CARRIER_REFUSED = ("carrier_refused", _("The carrier refused the parcel"), 409)
    NOT_SHIPPED = ("outbound_not_shipped", _("Only a shipped order can be confirmed as received"),
                   409)
    NO_LABEL = ("outbound_no_label", _("The label is printed when the parcel is packed"), 404)
