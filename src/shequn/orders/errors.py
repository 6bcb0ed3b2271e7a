from shequn.core.errors import CodedError


class OrderError(CodedError):
    ORDER_NOT_FOUND = ("order_not_found", "订单不存在", "Order not found", 404)
    INVALID_TRANSITION = ("invalid_transition", "订单当前状态不允许此操作",
                          "The order's state does not allow this action", 409)
    NOT_OPERATOR = ("not_operator", "仅运营人员可执行此操作", "Operators only", 403)
