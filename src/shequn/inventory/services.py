"""Stock changes (ARCHITECTURE §4 invariant 2: never negative, never sold twice).

Every public function runs in ``transaction.atomic()``, so when checkout calls it
inside its own transaction it joins it (a savepoint), and a failure rolls back
only what this call did. Contested counters are changed by conditional UPDATEs
(``... WHERE on_hand - reserved >= n``); the database's CHECK constraints are the
last line of defence.

Lock order, everywhere: stock rows by (sku_id, expiry with NULL last, batch_id,
warehouse_id) — the FEFO order reserve() consumes in — and reservation rows by
id. One global order means two transactions never wait on each other in a
cycle, so no deadlock. No function here calls anything outside the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Q

from shequn.catalog.models import SKU
from shequn.core import clock
from shequn.inventory.errors import InventoryError
from shequn.inventory.models import Batch, Reservation, Stock, StockMove, Warehouse

RESTOCK_NOTE = "restock"
# How often one batch is retried when a concurrent writer took its units between
# our read and our UPDATE; each failure means its availability changed.
_MAX_ATTEMPTS_PER_STOCK = 20


def _fefo_key(stock: Stock) -> tuple:
    expiry = stock.batch.expiry
    return (stock.sku_id, expiry is None, expiry or dt.date.min, stock.batch_id,
            stock.warehouse_id)


def _check_qty(qty: object) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise InventoryError.INVALID_QTY.error(qty=qty)
    return qty


@transaction.atomic
def receive(*, warehouse: Warehouse, sku: SKU, lot: str, expiry: dt.date | None, qty: int,
            note: str = "") -> Stock:
    """Put ``qty`` units of ``sku`` (lot ``lot``) into ``warehouse``."""
    _check_qty(qty)
    batch, created = Batch.objects.get_or_create(sku=sku, lot=lot,
                                                 defaults={"expiry": expiry})
    if not created and expiry is not None and batch.expiry != expiry:
        # The FEFO order (and the lock order) depends on a batch's expiry: never move it.
        raise InventoryError.BATCH_MISMATCH.error(lot=lot, expiry=batch.expiry, given=expiry)
    stock, _ = Stock.objects.get_or_create(warehouse=warehouse, batch=batch,
                                           defaults={"sku": sku})
    Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + qty)
    StockMove.objects.create(stock=stock, kind=StockMove.Kind.RECEIVE, on_hand_delta=qty,
                             note=note[:200])
    stock.refresh_from_db()
    return stock


def _take(stock_id: int, n: int) -> bool:
    """Reserve ``n`` units of one stock row if (and only if) they are available."""
    return Stock.objects.filter(Q(on_hand__gte=F("reserved") + n), pk=stock_id).update(
        reserved=F("reserved") + n) == 1


def _reserve_sku(warehouse_id: int, sku_id: int, qty: int, ref: str) -> list[Reservation]:
    stocks = sorted(Stock.objects.filter(warehouse_id=warehouse_id, sku_id=sku_id)
                    .select_related("batch"), key=_fefo_key)
    need = qty
    taken: list[tuple[Stock, int]] = []
    for stock in stocks:
        if need == 0:
            break
        available = stock.on_hand - stock.reserved
        for _ in range(_MAX_ATTEMPTS_PER_STOCK):
            if available <= 0:
                break
            n = min(need, available)
            if _take(stock.pk, n):
                taken.append((stock, n))
                need -= n
                break
            # Someone else changed the row since we read it: read again and retry.
            row = Stock.objects.values("on_hand", "reserved").get(pk=stock.pk)
            available = row["on_hand"] - row["reserved"]
    if need:
        # The caller's atomic block (ours at least) rolls back what was taken above.
        raise InventoryError.OUT_OF_STOCK.error(sku=sku_id, requested=qty,
                                                available=qty - need)
    out = []
    for stock, n in taken:
        out.append(Reservation.objects.create(stock=stock, ref=ref, qty=n))
        StockMove.objects.create(stock=stock, kind=StockMove.Kind.RESERVE, reserved_delta=n,
                                 ref=ref)
    return out


@transaction.atomic
def reserve(*, warehouse_id: int, lines: list[tuple[int, int]], ref: str) -> list[Reservation]:
    """Hold stock for order ``ref``: ``lines`` are (sku_id, qty). Units are taken
    first-expiry-first-out across the SKU's batches in the warehouse (no expiry
    last), split across batches when needed. All or nothing: raises
    ``out_of_stock`` if any line cannot be met."""
    if not ref or len(ref) > Reservation._meta.get_field("ref").max_length:
        raise InventoryError.INVALID_REF.error(ref=ref)
    if not Warehouse.objects.filter(pk=warehouse_id).exists():
        raise InventoryError.UNKNOWN_WAREHOUSE.error(warehouse_id=warehouse_id)
    wanted: dict[int, int] = defaultdict(int)
    for sku_id, qty in lines:
        wanted[int(sku_id)] += _check_qty(qty)
    if not wanted:
        raise InventoryError.INVALID_QTY.error(lines=0)
    reservations: list[Reservation] = []
    for sku_id in sorted(wanted):  # ascending sku_id: the global lock order
        reservations += _reserve_sku(warehouse_id, sku_id, wanted[sku_id], ref)
    return reservations


def _lock_reservations(ref: str, state: str) -> list[Reservation]:
    """Lock ``ref``'s reservations in ``state`` (by id), ordered for stock updates."""
    locked = list(Reservation.objects.select_for_update().filter(ref=ref, state=state)
                  .order_by("id"))
    stocks = {s.pk: s for s in Stock.objects.filter(pk__in=[r.stock_id for r in locked])
              .select_related("batch")}
    for r in locked:
        r.stock = stocks[r.stock_id]
    return sorted(locked, key=lambda r: (_fefo_key(r.stock), r.pk))


def _close(r: Reservation, state: str) -> bool:
    """Move one reservation out of ACTIVE; False if another transaction already did."""
    return Reservation.objects.filter(pk=r.pk, state=Reservation.State.ACTIVE).update(
        state=state, closed_at=clock.now()) == 1


@transaction.atomic
def release(ref: str, note: str = "") -> int:
    """Give back the units held for ``ref`` (order cancelled or unpaid). Returns the
    number of units released; a second call releases nothing and returns 0."""
    units = 0
    for r in _lock_reservations(ref, Reservation.State.ACTIVE):
        if not _close(r, Reservation.State.RELEASED):
            continue
        Stock.objects.filter(pk=r.stock_id).update(reserved=F("reserved") - r.qty)
        StockMove.objects.create(stock_id=r.stock_id, kind=StockMove.Kind.RELEASE,
                                 reserved_delta=-r.qty, ref=ref, note=note[:200])
        units += r.qty
    return units


@transaction.atomic
def commit(ref: str) -> int:
    """The order was paid: its held units are sold (on_hand and reserved both go
    down). Returns the units committed; idempotent (a repeat returns 0)."""
    units = 0
    for r in _lock_reservations(ref, Reservation.State.ACTIVE):
        if not _close(r, Reservation.State.COMMITTED):
            continue
        Stock.objects.filter(pk=r.stock_id).update(on_hand=F("on_hand") - r.qty,
                                                   reserved=F("reserved") - r.qty)
        StockMove.objects.create(stock_id=r.stock_id, kind=StockMove.Kind.COMMIT,
                                 on_hand_delta=-r.qty, reserved_delta=-r.qty, ref=ref)
        units += r.qty
    return units


@transaction.atomic
def restock(ref: str, note: str = "") -> int:
    """Refunded units of ``ref`` that never left the warehouse go back on the shelf.
    Returns the units restocked; once per ref (a repeat returns 0)."""
    # Locking the committed reservations serialises two concurrent restocks of ref.
    committed = _lock_reservations(ref, Reservation.State.COMMITTED)
    done = StockMove.objects.filter(kind=StockMove.Kind.ADJUST, ref=ref,
                                    note__startswith=RESTOCK_NOTE).exists()
    if done or not committed:
        return 0
    text = f"{RESTOCK_NOTE}: {note}" if note else RESTOCK_NOTE
    units = 0
    for r in committed:
        Stock.objects.filter(pk=r.stock_id).update(on_hand=F("on_hand") + r.qty)
        StockMove.objects.create(stock_id=r.stock_id, kind=StockMove.Kind.ADJUST,
                                 on_hand_delta=r.qty, ref=ref, note=text[:200])
        units += r.qty
    return units

