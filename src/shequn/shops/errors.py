"""Error codes of micro-shops, listings and share links."""

from __future__ import annotations

from shequn.core.errors import CodedError


class ShopError(CodedError):
    SHOP_NOT_FOUND = ("shop_not_found", "找不到该店铺", "Shop not found", 404)
    LISTING_NOT_FOUND = ("listing_not_found", "店铺中没有该商品", "Listing not found", 404)
    INVALID_SLUG = ("invalid_slug", "店铺地址只能包含小写字母、数字和连字符（3–40 位）",
                    "Shop slug: 3–40 lowercase letters, digits or hyphens", 422)
    SLUG_TAKEN = ("slug_taken", "该店铺地址已被使用", "This shop slug is taken", 409)
    INVALID_SHOP_NAME = ("invalid_shop_name", "店铺名称应为 1–60 个字符且不含 < >",
                         "Shop name: 1–60 characters without < or >", 422)
    NOT_LEADER = ("not_leader", "只有团长可以开店", "Only leaders can open a shop", 403)
    NOT_SHOP_OWNER = ("not_shop_owner", "只有店主或运营人员可以修改该店铺",
                      "Only the shop owner or an operator may change this shop", 403)
    PRODUCT_INACTIVE = ("product_inactive", "该商品已下架，不能上架到店铺",
                        "The product is inactive and cannot be listed", 422)
    PRODUCT_NOT_SELLABLE = ("product_not_sellable", "该商品当前不可销售",
                            "The product is not sellable now", 422)
    INVALID_CHANNEL = ("invalid_channel", "分享渠道无效", "Invalid share channel", 422)
    INVALID_SHARE_TOKEN = ("invalid_share_token", "分享链接无效或已过期",
                           "The share link is invalid or expired", 400)
    INVALID_INTRO = ("invalid_intro", "店铺简介最多 500 个字符且不含 < >",
                     "Shop intro: at most 500 characters without < or >", 422)
