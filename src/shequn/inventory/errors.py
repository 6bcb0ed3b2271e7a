from __future__ import annotations

from shequn.core.errors import CodedError


class InventoryError(CodedError):
    OUT_OF_STOCK = ("out_of_stock", "库存不足", "Not enough stock", 409)
    UNKNOWN_WAREHOUSE = ("unknown_warehouse", "仓库不存在", "Unknown warehouse", 404)
    INVALID_QTY = ("invalid_qty", "数量无效", "Invalid quantity", 422)
    RESERVATION_NOT_FOUND = ("reservation_not_found", "找不到库存锁定记录",
                             "Reservation not found", 404)
    INVALID_REF = ("invalid_ref", "锁定单号无效", "Invalid reservation reference", 422)
    BATCH_MISMATCH = ("batch_mismatch", "批次与已有记录不一致",
                      "The lot exists with a different expiry date", 409)
