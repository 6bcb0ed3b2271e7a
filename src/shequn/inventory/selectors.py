"""Stock reads. ``available = on_hand - reserved``, summed over batches."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When

from shequn.inventory.models import Reservation, Stock, StockMove, Warehouse

BONDED = "1210"
_AVAILABLE = Sum(F("on_hand") - F("reserved"))


def available(sku_id: int, warehouse_id: int | None = None) -> int:
    qs = Stock.objects.filter(sku_id=sku_id)
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.aggregate(n=_AVAILABLE)["n"] or 0


def availability_by_warehouse(sku_ids: list[int]) -> dict[tuple[int, int], int]:
    """{(sku_id, warehouse_id): available units} in one query; pairs with no stock row
    are absent."""
    rows = (Stock.objects.filter(sku_id__in=list(sku_ids)).values("sku_id", "warehouse_id")
            .annotate(n=_AVAILABLE).order_by())
    return {(r["sku_id"], r["warehouse_id"]): r["n"] or 0 for r in rows}


def availability_by_trade_mode(sku_ids: list[int]) -> dict[int, dict[str, int]]:
    """{sku_id: {"1210": units, "9610": units}} in one query (absent modes omitted)."""
    rows = (Stock.objects.filter(sku_id__in=list(sku_ids))
            .values("sku_id", "warehouse__trade_mode").annotate(n=_AVAILABLE).order_by())
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for r in rows:
        out[r["sku_id"]][r["warehouse__trade_mode"]] = r["n"] or 0
    return dict(out)


def choose_warehouse(sku_id: int, qty: int, trade_mode: str | None = None) -> Warehouse | None:
    """A warehouse holding at least ``qty`` available units of the SKU: bonded (1210)
    first, then the one with most available. ``trade_mode`` restricts the choice."""
    rows = (Stock.objects.filter(sku_id=sku_id)
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
    row = Stock.objects.values("on_hand", "reserved").get(pk=stock.pk)
    moves = StockMove.objects.filter(stock_id=stock.pk).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
    held = Reservation.objects.filter(
        Q(state=Reservation.State.ACTIVE), stock_id=stock.pk).aggregate(n=Sum("qty"))["n"]
    return (row["on_hand"] == (moves["on_hand"] or 0)
            and row["reserved"] == (moves["reserved"] or 0)
            and row["reserved"] == (held or 0))


def expiring(before: object) -> list[Stock]:
    """Stock rows with units on hand whose batch expires before ``before`` (a date)."""
    return list(Stock.objects.filter(on_hand__gt=0, batch__expiry__lt=before)
                .select_related("batch", "warehouse", "sku").order_by("batch__expiry", "pk"))
