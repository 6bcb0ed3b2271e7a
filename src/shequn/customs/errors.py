from shequn.core.errors import CodedError


class CustomsError(CodedError):
    NOT_DECLARABLE = ("not_declarable", "订单数据不能生成合规的海关报文",
                      "The order cannot be expressed as a valid customs message", 422)
    NO_DECLARATION = ("no_declaration", "该订单没有海关申报",
                      "No customs declaration for this order", 404)
    NOT_CANCELLABLE = ("not_cancellable", "该申报当前不能撤销（未入库、已放行或已结束）",
                       "The declaration cannot be cancelled now", 409)
    DECLARED = ("declared_use_cancel", "该订单已向海关申报，请先撤销申报（撤单获批后自动退款）",
                "The order is declared to customs: cancel the declaration first "
                "(the refund follows customs' approval)", 409)
    CANCEL_PENDING = ("customs_cancel_pending",
                      "该订单的海关撤单申请正在等待海关答复，暂不能发货（撤单被拒后可发货）",
                      "A customs cancellation of this order awaits customs' answer: it "
                      "cannot ship until customs refuses it", 409)
    CANCELLED = ("customs_cancelled", "该订单的海关申报已撤销，不能发货",
                 "The order's customs declaration was cancelled: it cannot ship", 409)
    BAD_RECEIPT = ("bad_receipt", "回执格式错误或不是海关报文", "Malformed or non-CEB receipt", 400)
    NOT_OPERATOR = ("not_operator", "仅运营人员可执行此操作", "Operators only", 403)
