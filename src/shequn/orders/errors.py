from shequn.core.errors import CodedError


class OrderError(CodedError):
    ORDER_NOT_FOUND = ("order_not_found", "订单不存在", "Order not found", 404)
    INVALID_TRANSITION = ("invalid_transition", "订单当前状态不允许此操作",
                          "The order's state does not allow this action", 409)
    NOT_OPERATOR = ("not_operator", "仅运营人员可执行此操作", "Operators only", 403)
    NOT_CLEARED = ("not_cleared", "海关尚未放行，仓库不能发货",
                   "Customs has not released this order yet; it cannot ship", 409)
    NOT_RETURNABLE = ("not_returnable", "该订单当前不能申请退货（需已签收且在退货期内）",
                      "This order cannot be returned now (delivered, within the return period)",
                      409)
    BAD_RETURN_LINES = ("bad_return_lines", "退货商品或数量不正确",
                        "Invalid return lines or quantities", 422)
    BAD_RETURN_REASON = ("bad_return_reason", "请选择退货原因（选择“其他”时请填写说明）",
                         "Choose a return reason (describe it when you choose Other)", 422)
    BAD_RETURN_PHOTO = ("bad_return_photo", "照片须为 JPG、PNG 或 WebP 格式的图片",
                        "Photos must be JPEG, PNG or WebP pictures", 422)
    RETURN_PHOTO_TOO_LARGE = ("return_photo_too_large", "每张照片不能超过 8 MB",
                              "Each photo must be 8 MB or less", 422)
    TOO_MANY_RETURN_PHOTOS = ("too_many_return_photos", "最多上传 6 张照片",
                              "Upload at most 6 photos", 422)
    AFTER_SALE_NOT_FOUND = ("after_sale_not_found", "售后申请不存在",
                            "After-sales request not found", 404)
    AFTER_SALE_DECIDED = ("after_sale_decided", "该售后申请已处理",
                          "This request has been decided already", 409)
