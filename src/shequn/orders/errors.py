from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class OrderError(CodedError):
    ORDER_NOT_FOUND = ("order_not_found", _("Order not found"), 404)
    INVALID_TRANSITION = ("invalid_transition",
                          _("The order's state does not allow this action"), 409)
    NOT_OPERATOR = ("not_operator", _("Operators only"), 403)
    NOT_CLEARED = ("not_cleared", _("Customs has not released this order yet; it cannot ship"), 409)
    NOT_RETURNABLE = ("not_returnable",
                      _("This order cannot be returned "
                        "now (delivered, within the return period)"), 409)
    NO_RETURN_LINES = ("no_return_lines", _("Choose at least one item to return"), 422)
    BAD_RETURN_LINES = ("bad_return_lines", _("Invalid return lines or quantities"), 422)
    AFTER_SALE_NOT_FOUND = ("after_sale_not_found", _("After-sales request not found"), 404)
    AFTER_SALE_DECIDED = ("after_sale_decided", _("This request has been decided already"), 409)
    BAD_RETURN_REASON = (
        'bad_return_reason',
        _('Choose a return reason (describe it when you choose Other)'),
        422,
    )
    BAD_RETURN_PHOTO = ('bad_return_photo', _('Photos must be JPEG, PNG or WebP pictures'), 422)
    RETURN_PHOTO_TOO_LARGE = ('return_photo_too_large', _('Each photo must be 8 MB or less'), 422)
    TOO_MANY_RETURN_PHOTOS = ('too_many_return_photos', _('Upload at most 6 photos'), 422)
