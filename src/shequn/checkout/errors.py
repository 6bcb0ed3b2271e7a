"""Error codes of identities, addresses, cart and checkout."""

from __future__ import annotations

from shequn.core.errors import CodedError


class CheckoutError(CodedError):
    # Real-name identities and addresses.
    INVALID_ID_NUMBER = ("invalid_id_number", "身份证号码无效",
                         "Invalid resident ID number", 422)
    ID_BIRTHDATE_INVALID = ("id_birthdate_invalid", "身份证号码中的出生日期无效",
                            "The birth date in the resident ID number is invalid", 422)
    INVALID_NAME = ("invalid_name", "姓名应为 2–30 个汉字或字母",
                    "Name must be 2–30 Chinese characters or letters", 422)
    INVALID_PHONE = ("invalid_phone", "手机号格式不正确", "Invalid mainland mobile number", 422)
    INVALID_DISTRICT_CODE = ("invalid_district_code", "行政区划代码应为 6 位数字",
                             "District code must be 6 digits", 422)
    INVALID_REGION = ("invalid_region", "所选省、市、区县不存在或不相互对应",
                      "The province, city and district do not exist or do not belong together",
                      422)
    INVALID_ADDRESS = ("invalid_address", "收货地址不完整或含有非法字符",
                       "Address incomplete or contains invalid characters", 422)
    IDENTITY_NOT_FOUND = ("identity_not_found", "找不到该实名信息", "Identity not found", 404)
    ADDRESS_NOT_FOUND = ("address_not_found", "找不到该收货地址", "Address not found", 404)
    # Cart and checkout.
    EMPTY_CART = ("empty_cart", "购物车是空的", "The cart is empty", 422)
    UNKNOWN_SKU = ("unknown_sku", "商品不存在", "Unknown SKU", 422)
    INVALID_QTY = ("invalid_qty", "数量必须为正整数", "Quantity must be a positive integer", 422)
    QTY_TOO_LARGE = ("qty_too_large", "单个商品数量超出上限", "Quantity per line too large", 422)
    TOO_MANY_LINES = ("too_many_lines", "购物车商品种类过多", "Too many lines in the cart", 422)
    STALE_CART = ("stale_cart", "购物车已变化，请刷新后重试",
                  "The cart changed, reload and try again", 409)
    OVER_SINGLE_LIMIT = ("over_single_limit", "超过跨境电商单次交易限值（5000 元）",
                         "Over the CBEC single-transaction limit (5,000 CNY)", 422)
    OVER_ANNUAL_LIMIT = ("over_annual_limit", "超过跨境电商年度交易限值（26000 元）",
                         "Over the CBEC annual limit (26,000 CNY)", 422)
    IDENTITY_MISMATCH = ("identity_mismatch", "订购人与支付人身份信息不一致",
                         "Orderer and payer identities do not match", 422)
    OUT_OF_STOCK = ("out_of_stock", "库存不足", "Out of stock", 409)
    NOT_SELLABLE = ("not_sellable", "该商品暂不可售", "This item cannot be sold now", 422)


class ListingError(CodedError):
    # Where a cart line says it was added: never attribution, see cart._checked_listing.
    UNKNOWN_LISTING = ("unknown_listing", "店铺商品不存在", "Unknown listing", 422)
    LISTING_NOT_SELLABLE = ("listing_not_sellable", "该店铺商品已下架或与所选商品不符",
                            "The listing is inactive or not of this product", 422)
    LISTING_OTHER_SHOP = ("listing_other_shop", "该商品不属于当前归属的店铺",
                          "The listing belongs to another shop than the cart's", 422)
