"""Stock reads. ``available = on_hand - reserved``, summed over the batches that
may still be sold (the shelf-life rule, inventory.shelf_life); quarantined units
are never available."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When

from shequn.inventory import shelf_life
from shequn.inventory.models import Batch, Reservation, Stock, StockMove, Warehouse

BONDED = "1210"
_AVAILABLE = Sum(F("on_hand") - F("reserved"))


def available(sku_id: int, warehouse_id: int | None = None) -> int:
    qs = Stock.objects.filter(shelf_life.sellable_q(), sku_id=sku_id)
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.aggregate(n=_AVAILABLE)["n"] or 0


def availability_by_warehouse(sku_ids: list[int]) -> dict[tuple[int, int], int]:
    """{(sku_id, warehouse_id): available units} in one query; pairs with no stock row
    are absent."""
    rows = (Stock.objects.filter(shelf_life.sellable_q(), sku_id__in=list(sku_ids))
            .values("sku_id", "warehouse_id")
            .annotate(n=_AVAILABLE).order_by())
    return {(r["sku_id"], r["warehouse_id"]): r["n"] or 0 for r in rows}


def availability_by_trade_mode(sku_ids: list[int]) -> dict[int, dict[str, int]]:
    """{sku_id: {"1210": units, "9610": units}} in one query (absent modes omitted)."""
    rows = (Stock.objects.filter(shelf_life.sellable_q(), sku_id__in=list(sku_ids))
            .values("sku_id", "warehouse__trade_mode").annotate(n=_AVAILABLE).order_by())
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for r in rows:
        out[r["sku_id"]][r["warehouse__trade_mode"]] = r["n"] or 0
    return dict(out)


def choose_warehouse(sku_id: int, qty: int, trade_mode: str | None = None) -> Warehouse | None:
    """A warehouse holding at least ``qty`` available units of the SKU: bonded (1210)
    first, then the one with most available. ``trade_mode`` restricts the choice."""
    rows = (Stock.objects.filter(shelf_life.sellable_q(), sku_id=sku_id)
            .values("warehouse_id")
            .annotate(n=_AVAILABLE,
                      bonded=Case(When(warehouse__trade_mode=BONDED, then=Value(0)),
                                  default=Value(1), output_field=IntegerField()))
            .filter(n__gte=qty).order_by("bonded", "-n", "warehouse_id"))
    if trade_mode is not None:
        rows = rows.filter(warehouse__trade_mode=trade_mode)
    first = rows.first()
    return Warehouse.objects.get(pk=first["warehouse_id"]) if first else None


def reserved_units(ref: str) -> int:
    """Units currently held (ACTIVE) for ``ref``."""
    return Reservation.objects.filter(ref=ref, state=Reservation.State.ACTIVE).aggregate(
        n=Sum("qty"))["n"] or 0


def reservations_for(ref: str) -> list[Reservation]:
    return list(Reservation.objects.filter(ref=ref).select_related(
        "stock__batch", "stock__warehouse").order_by("id"))


def stock_ledger_balances_ok(stock: Stock) -> bool:
    """The ledger explains the row: the moves add up to on_hand and reserved, and
    reserved equals the units held by ACTIVE reservations."""
    row = Stock.objects.values("on_hand", "reserved", "quarantine").get(pk=stock.pk)
    moves = StockMove.objects.filter(stock_id=stock.pk).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"),
        quarantine=Sum("quarantine_delta"))
    held = Reservation.objects.filter(
        Q(state=Reservation.State.ACTIVE), stock_id=stock.pk).aggregate(n=Sum("qty"))["n"]
    return (row["on_hand"] == (moves["on_hand"] or 0)
            and row["reserved"] == (moves["reserved"] or 0)
            and row["quarantine"] == (moves["quarantine"] or 0)
            and row["reserved"] == (held or 0))


def expiring(before: object) -> list[Stock]:
    """Stock rows with units on hand whose batch expires before ``before`` (a date)."""
    return list(Stock.objects.filter(on_hand__gt=0, batch__expiry__lt=before)
                .select_related("batch", "warehouse", "sku").order_by("batch__expiry", "pk"))


def fefo_batch(sku_id: int) -> Batch | None:
    """The batch a buyer of one unit would get now: in the warehouse checkout
    would choose (choose_warehouse), the sellable batch with units available
    that expires first (the order reserve() consumes in)."""
    warehouse = choose_warehouse(sku_id, 1)
    if warehouse is None:
        return None
    stock = (Stock.objects.filter(shelf_life.sellable_q(), sku_id=sku_id,
                                  warehouse_id=warehouse.pk, on_hand__gt=F("reserved"))
             .select_related("batch")
             .order_by(F("batch__expiry").asc(nulls_last=True), "batch_id").first())
    return stock.batch if stock else None


def stock_rows(*, warehouse_ids: list[int] | None = None, owner_id: int | None = None,
               sku_ids: list[int] | None = None) -> list[Stock]:
    """Stock rows by warehouse and batch with something in them (sellable,
    held or quarantined), each with ``sellable`` (the shelf-life rule allows
    selling its batch) and ``blocked_units`` (units the rule keeps off sale).
    ``owner_id`` keeps the SKUs whose product's brand or seller it is."""
    qs = Stock.objects.filter(Q(on_hand__gt=0) | Q(quarantine__gt=0))
    if warehouse_ids is not None:
        qs = qs.filter(warehouse_id__in=warehouse_ids)
    if owner_id is not None:
        qs = qs.filter(Q(sku__product__brand_id=owner_id) | Q(sku__product__seller_id=owner_id))
    if sku_ids is not None:
        qs = qs.filter(sku_id__in=sku_ids)
    rows = list(qs.select_related("warehouse", "batch", "sku__product")
                .order_by("warehouse__code", "sku__code",
                          F("batch__expiry").asc(nulls_last=True), "batch__lot"))
    rules = shelf_life.rules()
    today, default = shelf_life.today(), shelf_life.default_days()
    for row in rows:
        row.sellable = shelf_life.sellable(  # type: ignore[attr-defined]
            row.batch.expiry, rules.get(row.sku.product.category_id or 0), today, default)
    return rows


def expiry_report(*, within_days: int = 90, warehouse_ids: list[int] | None = None,
                  owner_id: int | None = None) -> list[dict[str, Any]]:
    """Batches with units that expire within ``within_days`` days (or already
    have), soonest first: days left, the shelf-life limit of the category and
    whether the batch is already off sale because of it."""
    today = shelf_life.today()
    limit = today + dt.timedelta(days=within_days)
    rules = shelf_life.rules()
    default = shelf_life.default_days()
    out = []
    rows = [r for r in stock_rows(warehouse_ids=warehouse_ids, owner_id=owner_id)
            if r.batch.expiry is not None and r.batch.expiry <= limit]
    rows.sort(key=lambda r: (r.batch.expiry, r.warehouse.code, r.sku.code))
    for r in rows:
        assert r.batch.expiry is not None
        out.append({"stock": r, "warehouse": r.warehouse, "sku": r.sku, "batch": r.batch,
                    "expiry": r.batch.expiry, "days_left": (r.batch.expiry - today).days,
                    "min_days": rules.get(r.sku.product.category_id or 0, default),
                    "on_hand": r.on_hand, "reserved": r.reserved, "quarantine": r.quarantine,
                    "blocked": not r.sellable})  # type: ignore[attr-defined]
    return out
