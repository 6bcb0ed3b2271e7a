from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class PaymentError(CodedError):
    NOTHING_TO_PAY = ("nothing_to_pay", _("Nothing to pay"), 409)
    BAD_SIGNATURE = ("bad_signature", _("Invalid notification signature"), 401)
    STALE_NOTIFICATION = ("stale_notification", _("Notification too old"), 401)
    MALFORMED_NOTIFICATION = ("malformed_notification", _("Malformed notification"), 400)
    UNKNOWN_PAYMENT = ("unknown_payment", _("Unknown payment"), 404)
    AMOUNT_MISMATCH = ("amount_mismatch", _("Paid amount differs from the order amount"), 400)
    NOT_REFUNDABLE = ("not_refundable", _("The order cannot be refunded now"), 409)
