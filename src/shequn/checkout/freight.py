"""Freight per shipment. A plain published rule (what a buyer sees on the
product page): bonded parcels ship free from 199 yuan of goods, otherwise 10;
direct mail costs 20 per parcel. Insurance is not charged."""

from __future__ import annotations

from decimal import Decimal

BONDED_FREE_FROM = Decimal("199.00")
BONDED_FEE = Decimal("10.00")
DIRECT_MAIL_FEE = Decimal("20.00")


def freight_for(trade_mode: str, goods_value: Decimal) -> Decimal:
    if trade_mode == "9610":
        return DIRECT_MAIL_FEE
    return Decimal("0.00") if goods_value >= BONDED_FREE_FROM else BONDED_FEE
