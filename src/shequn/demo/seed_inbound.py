"""Demo inbound data: shelf-life rules for formula and food, one received ASN
with discrepancies and one submitted (pending) ASN for the demo brands, into the
demo warehouses. Everything goes through the logistics services (the stock
ledger explains the received units). Safe to run any number of times: an ASN
is made once, found again by its transport reference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from shequn.catalog.models import Category
from shequn.core import clock
from shequn.demo.base import BONDED_WH, DemoData
from shequn.inventory.models import ShelfLifeRule
from shequn.logistics import inbound
from shequn.logistics.models import ASN

RULES = {"baby": 90, "food": 60}  # formula and food: stricter than the 30-day default
RECEIVED_REF = "DEMO-BL-2601"
PENDING_REF = "DEMO-BL-2602"


def _asn(data: DemoData, brand: str, ref: str, lines: list[tuple[str, str, int]],
         days: int) -> tuple[ASN, bool]:
    owner = data.brands[brand]
    found = ASN.objects.filter(owner=owner, reference=ref).first()
    if found is not None:
        return found, False
    expected = clock.today() + dt.timedelta(days=days)
    asn = inbound.create_asn(
        None, owner, warehouse_id=data.warehouses[BONDED_WH].pk, expected_date=expected,
        reference=ref, bond_invt_no=f"QD2991{ref[-4:]}0001",
        lines=[inbound.LineIn(sku=code, lot=lot, qty=qty, expiry=dt.date(2028, 12, 31))
               for code, lot, qty in lines])
    return asn, True


def seed(data: DemoData, say: Callable[[str], None]) -> None:
    for slug, days in RULES.items():
        category = Category.objects.filter(slug=slug).first()
        if category is not None:
            ShelfLifeRule.objects.update_or_create(category=category,
                                                   defaults={"min_days": days})
    received, made = _asn(data, "koala", RECEIVED_REF, [("KD-IF3-900", "KD-IF3-900-L2601", 48)],
                          days=0)
    if made:
        line = received.lines.get()
        # Two cartons short and one tin dented on arrival.
        inbound.set_count(None, received.pk, line.pk, counted=46, damaged=1,
                          reason="2 罐短少，1 罐凹陷 2 tins short, 1 dented")
        inbound.complete_receipt(None, received.pk)
    pending, _ = _asn(data, "sakura", PENDING_REF,
                      [("SB-SERUM-30", "SB-SERUM-30-L2602", 120),
                       ("SB-MASK-5", "SB-MASK-5-L2602", 200)], days=3)
    say(f"入库预报 Inbound ASNs: {received.number} received (2 short, 1 damaged), "
        f"{pending.number} pending; shelf-life rules: formula 90 days, food 60 days.")
