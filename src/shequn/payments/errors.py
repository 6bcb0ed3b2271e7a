from shequn.core.errors import CodedError


class PaymentError(CodedError):
    NOTHING_TO_PAY = ("nothing_to_pay", "没有待支付的订单", "Nothing to pay", 409)
    BAD_SIGNATURE = ("bad_signature", "支付通知签名无效", "Invalid notification signature", 401)
    STALE_NOTIFICATION = ("stale_notification", "支付通知已过期", "Notification too old", 401)
    MALFORMED_NOTIFICATION = ("malformed_notification", "支付通知格式错误",
                              "Malformed notification", 400)
    UNKNOWN_PAYMENT = ("unknown_payment", "支付单不存在", "Unknown payment", 404)
    AMOUNT_MISMATCH = ("amount_mismatch", "支付金额与订单金额不一致",
                       "Paid amount differs from the order amount", 400)
    NOT_REFUNDABLE = ("not_refundable", "该订单当前不可退款", "The order cannot be refunded now",
                      409)
