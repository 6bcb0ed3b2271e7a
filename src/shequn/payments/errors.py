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
    REFUND_EXCEEDS_PAID = ("refund_exceeds_paid",
                           _("The refund is more than what is left of the payment"), 409)
    PROVIDER_ERROR = ("provider_error", _("The payment provider refused or did not answer"),
                      502)
    FOREIGN_MERCHANT = ("foreign_merchant",
                        _("The notification is for another merchant or app"), 400)
    UNKNOWN_REFUND = ("unknown_refund", _("Unknown refund"), 404)
