"""Stock changes (ARCHITECTURE §4 invariant 2: never negative, never sold twice).

Every public function runs in a transaction. ``release`` and ``commit`` join
the caller's (``atomic(savepoint=False)``: they are only called inside the
order's transaction, and nothing catches their errors to carry on, so a
failure rolls the whole caller back); the others take a savepoint, so a
failure rolls back only what that call did. Contested counters are changed by conditional UPDATEs
(``... WHERE on_hand - reserved >= n``); the database's CHECK constraints are the
last line of defence.

Lock order, everywhere: stock rows by (sku_id, expiry with NULL last, batch_id,
warehouse_id) — the FEFO order reserve() consumes in — and reservation rows by
id (release and commit lock each reservation with its stock row, in that FEFO
order then by reservation id). One global order means two transactions never wait on each other in a
cycle, so no deadlock. No function here calls anything outside the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from shequn.catalog.models import SKU, Product
from shequn.core import clock
from shequn.core.rawrows import build, columns, width
from shequn.inventory import shelf_life
from shequn.inventory.errors import InventoryError
from shequn.inventory.models import (
    Batch,
    Reservation,
    ShelfLifeRule,
    Stock,
    StockMove,
    Warehouse,
)

RESTOCK_NOTE = "restock"


def _fefo_key(stock: Stock) -> tuple:
    expiry = stock.batch.expiry
    return (stock.sku_id, expiry is None, expiry or dt.date.min, stock.batch_id,
            stock.warehouse_id)


def _check_qty(qty: object) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise InventoryError.INVALID_QTY.error(qty=qty)
    return qty


def _batch_stock(warehouse: Warehouse, sku: SKU, lot: str, expiry: dt.date | None) -> Stock:
    batch, created = Batch.objects.get_or_create(sku=sku, lot=lot,
                                                 defaults={"expiry": expiry})
    if not created and expiry is not None and batch.expiry != expiry:
        # The FEFO order (and the lock order) depends on a batch's expiry: never move it.
        raise InventoryError.BATCH_MISMATCH.error(lot=lot, expiry=batch.expiry, given=expiry)
    stock, _ = Stock.objects.get_or_create(warehouse=warehouse, batch=batch,
                                           defaults={"sku": sku})
    return stock


@transaction.atomic
def receive(*, warehouse: Warehouse, sku: SKU, lot: str, expiry: dt.date | None, qty: int,
            note: str = "", ref: str = "", quarantine: bool = False) -> Stock:
    """Put ``qty`` units of ``sku`` (lot ``lot``) into ``warehouse``: sellable
    stock, or the batch's quarantine (damaged, never sellable) when ``quarantine``.
    ``ref`` names the document (an ASN number)."""
    _check_qty(qty)
    stock = _batch_stock(warehouse, sku, lot, expiry)
    if quarantine:
        Stock.objects.filter(pk=stock.pk).update(quarantine=F("quarantine") + qty)
        StockMove.objects.create(stock=stock, kind=StockMove.Kind.QUARANTINE,
                                 quarantine_delta=qty, ref=ref[:40], note=note[:200])
    else:
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + qty)
        StockMove.objects.create(stock=stock, kind=StockMove.Kind.RECEIVE, on_hand_delta=qty,
                                 ref=ref[:40], note=note[:200])
    stock.refresh_from_db()
    return stock


MAX_UNITS = 1_000_000  # larger counts in one act are refused as absurd


def _check_delta(delta: object) -> int:
    if (isinstance(delta, bool) or not isinstance(delta, int) or delta == 0
            or abs(delta) > MAX_UNITS):
        raise InventoryError.INVALID_QTY.error(qty=delta)
    return delta


@transaction.atomic
def adjust(*, stock_id: int, delta: int, ref: str = "", note: str = "",
           quarantine: bool = False) -> Stock:
    """Correct a stock row by ``delta`` units (stocktake, damage written off,
    found units, expired units destroyed): its sellable units, or its
    quarantine when ``quarantine``. A conditional UPDATE: sellable units can go
    down only by what is not held for orders, quarantine only to zero, so stock
    never goes negative even under concurrent changes (``negative_stock``)."""
    _check_delta(delta)
    qs = Stock.objects.filter(pk=stock_id)
    if quarantine:
        done = qs.filter(quarantine__gte=-delta).update(quarantine=F("quarantine") + delta)
    else:
        done = qs.filter(on_hand__gte=F("reserved") - delta).update(on_hand=F("on_hand") + delta)
    if not done:
        if not Stock.objects.filter(pk=stock_id).exists():
            raise InventoryError.UNKNOWN_STOCK.error(stock=stock_id)
        raise InventoryError.NEGATIVE_STOCK.error(stock=stock_id, delta=delta)
    StockMove.objects.create(stock_id=stock_id, kind=StockMove.Kind.ADJUST,
                             on_hand_delta=0 if quarantine else delta,
                             quarantine_delta=delta if quarantine else 0,
                             ref=ref[:40], note=note[:200])
    return Stock.objects.select_related("batch", "warehouse").get(pk=stock_id)


@transaction.atomic
def transfer(*, stock_id: int, to_warehouse: Warehouse, qty: int, ref: str = "",
             note: str = "") -> tuple[Stock, Stock]:
    """Move ``qty`` sellable units of one batch from its warehouse to
    ``to_warehouse`` (same batch: lot and expiry travel with the goods). Both rows
    are locked in the global lock order (same SKU and batch: by warehouse id)
    before either changes, so opposite transfers never deadlock."""
    _check_qty(qty)
    if qty > MAX_UNITS:
        raise InventoryError.INVALID_QTY.error(qty=qty)
    source = Stock.objects.filter(pk=stock_id).select_related("batch", "sku").first()
    if source is None:
        raise InventoryError.UNKNOWN_STOCK.error(stock=stock_id)
    if source.warehouse_id == to_warehouse.pk:
        raise InventoryError.SAME_WAREHOUSE.error(warehouse=to_warehouse.code)
    target, _ = Stock.objects.get_or_create(warehouse=to_warehouse, batch=source.batch,
                                            defaults={"sku": source.sku})
    list(Stock.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
         .order_by("warehouse_id"))
    taken = (Stock.objects.filter(pk=source.pk, on_hand__gte=F("reserved") + qty)
             .update(on_hand=F("on_hand") - qty))
    if not taken:
        raise InventoryError.NEGATIVE_STOCK.error(stock=source.pk, delta=-qty)
    Stock.objects.filter(pk=target.pk).update(on_hand=F("on_hand") + qty)
    StockMove.objects.bulk_create([
        StockMove(stock_id=source.pk, kind=StockMove.Kind.TRANSFER_OUT, on_hand_delta=-qty,
                  ref=ref[:40], note=note[:200]),
        StockMove(stock_id=target.pk, kind=StockMove.Kind.TRANSFER_IN, on_hand_delta=qty,
                  ref=ref[:40], note=note[:200])])
    source.refresh_from_db()
    target.refresh_from_db()
    return source, target


@transaction.atomic
def put_back(*, stock_id: int, qty: int, ref: str, note: str = "",
             quarantine: bool = False) -> Stock:
    """Returned units come back to their batch's stock row: sellable, or to
    quarantine (damaged)."""
    _check_qty(qty)
    qs = Stock.objects.filter(pk=stock_id)
    if quarantine:
        done = qs.update(quarantine=F("quarantine") + qty)
    else:
        done = qs.update(on_hand=F("on_hand") + qty)
    if not done:
        raise InventoryError.UNKNOWN_STOCK.error(stock=stock_id)
    StockMove.objects.create(stock_id=stock_id,
                             kind=StockMove.Kind.QUARANTINE if quarantine
                             else StockMove.Kind.RETURN,
                             on_hand_delta=0 if quarantine else qty,
                             quarantine_delta=qty if quarantine else 0,
                             ref=ref[:40], note=note[:200])
    return Stock.objects.get(pk=stock_id)


def _lock_sql(n: int) -> str:
    marks = ", ".join(["%s"] * n)
    lock = " FOR UPDATE OF st" if connection.vendor == "postgresql" else ""
    return (f"SELECT {columns(Stock, 'st')}, {columns(Batch, 'b')}, {columns(Warehouse, 'w')},"
            " r.min_days"
            f" FROM {Stock._meta.db_table} st"
            f" JOIN {Batch._meta.db_table} b ON b.id = st.batch_id"
            f" JOIN {Warehouse._meta.db_table} w ON w.id = st.warehouse_id"
            f" JOIN {SKU._meta.db_table} s ON s.id = st.sku_id"
            f" JOIN {Product._meta.db_table} p ON p.id = s.product_id"
            f" LEFT JOIN {ShelfLifeRule._meta.db_table} r ON r.category_id = p.category_id"
            f" WHERE st.sku_id IN ({marks})"
            " ORDER BY st.sku_id, b.expiry ASC NULLS LAST, st.batch_id, st.warehouse_id"
            + lock)


def lock_stock(sku_ids: list[int]) -> list[Stock]:
    """Lock every stock row of these SKUs (all warehouses) in the global lock
    order and return the sellable ones with batch and warehouse: rows whose
    batch expires within the shelf-life limit of its category are locked but
    left out (never reserved). Checkout reads availability
    from these rows and reserves from them in the same transaction, so the
    plan cannot go stale and no retry loop is needed. Hand-written SQL: this is
    on the checkout hot path (see shequn.core.rawrows)."""
    ids = sorted(set(sku_ids))
    if not ids:
        return []
    with connection.cursor() as cur:
        cur.execute(_lock_sql(len(ids)), ids)
        rows = cur.fetchall()
    a, b = width(Stock), width(Stock) + width(Batch)
    today = shelf_life.today()
    default = shelf_life.default_days()
    stocks = []
    for row in rows:
        batch = build(Batch, row, a)
        if not shelf_life.sellable(batch.expiry, row[-1], today, default):
            continue
        stock = build(Stock, row, 0)
        stock.batch = batch
        stock.warehouse = build(Warehouse, row, b)
        stocks.append(stock)
    return stocks


def _plan(stocks: list[Stock], warehouse_id: int, wanted: dict[int, int]
          ) -> list[tuple[Stock, int]]:
    """First-expiry-first-out allocation of ``wanted`` units over ``stocks``."""
    by_sku: dict[int, list[Stock]] = defaultdict(list)
    for stock in stocks:
        if stock.warehouse_id == warehouse_id:
            by_sku[stock.sku_id].append(stock)
    plan: list[tuple[Stock, int]] = []
    for sku_id in sorted(wanted):
        need = wanted[sku_id]
        for stock in sorted(by_sku[sku_id], key=_fefo_key):
            n = min(need, stock.on_hand - stock.reserved)
            if n > 0:
                plan.append((stock, n))
                need -= n
            if need == 0:
                break
        if need:
            raise InventoryError.OUT_OF_STOCK.error(sku=sku_id, requested=wanted[sku_id],
                                                    available=wanted[sku_id] - need)
    return plan


_VALUES = "(SELECT column1 AS id, column2 AS n FROM (VALUES {rows}) AS t) AS v"
# Only "(%s, %s)" placeholders are formatted into these; values go as parameters.
_UPDATE = ("UPDATE inventory_stock SET reserved = inventory_stock.reserved + v.n FROM "
           + _VALUES + " WHERE inventory_stock.id = v.id"
           " AND inventory_stock.on_hand - inventory_stock.reserved >= v.n")
# PostgreSQL: the conditional UPDATE, the reservations and the ledger rows in one
# statement (data-modifying CTE); SQLite runs the three statements.
_PG_RESERVE = ("WITH u AS (" + _UPDATE + " RETURNING inventory_stock.id, v.n),"
               " r AS (INSERT INTO inventory_reservation (stock_id, ref, qty, state, created_at)"
               " SELECT u.id, %s, u.n, 'active', %s FROM u RETURNING id)"
               " INSERT INTO inventory_stockmove"
               " (stock_id, kind, on_hand_delta, reserved_delta, ref, note, at)"
               " SELECT u.id, 'reserve', 0, u.n, %s, '', %s FROM u RETURNING stock_id")


def _apply_plan(plan: list[tuple[Stock, int]], ref: str) -> None:
    rows = ", ".join(["(%s, %s)"] * len(plan))
    params: list[int] = [x for stock, n in plan for x in (stock.pk, n)]
    now = clock.now()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(_PG_RESERVE.format(rows=rows), [*params, ref, now, ref, now])
            done = len(cur.fetchall())
        else:
            cur.execute(_UPDATE.format(rows=rows) + " RETURNING inventory_stock.id", params)
            done = len(cur.fetchall())
            if done == len(plan):
                Reservation.objects.bulk_create(
                    [Reservation(stock=stock, ref=ref, qty=n) for stock, n in plan])
                StockMove.objects.bulk_create(
                    [StockMove(stock=stock, kind=StockMove.Kind.RESERVE, reserved_delta=n,
                               ref=ref) for stock, n in plan])
    if done != len(plan):
        # Cannot happen while the rows are locked; the CHECK constraints and this
        # guard stop an oversell if a caller reserved without locking.
        raise InventoryError.OUT_OF_STOCK.error(ref=ref)
    for stock, n in plan:
        stock.reserved += n


def reserve(*, warehouse_id: int, lines: list[tuple[int, int]], ref: str,
            stocks: list[Stock] | None = None) -> list[tuple[Stock, int]]:
    """Hold stock for order ``ref``: ``lines`` are (sku_id, qty). Units are taken
    first-expiry-first-out across the SKU's batches in the warehouse (no expiry
    last), split across batches when needed. All or nothing: raises
    ``out_of_stock`` if any line cannot be met. ``stocks`` are rows the caller
    already locked with ``lock_stock``; without them they are locked here.
    Returns the (stock, units) taken.

    Every check happens before the one write, so a refusal leaves the caller's
    transaction usable; inside one, no savepoint is spent (placement counts
    its queries)."""
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return reserve(warehouse_id=warehouse_id, lines=lines, ref=ref, stocks=stocks)
    max_ref = Reservation._meta.get_field("ref").max_length
    assert max_ref is not None  # a CharField always has one
    if not ref or len(ref) > max_ref:
        raise InventoryError.INVALID_REF.error(ref=ref)
    wanted: dict[int, int] = defaultdict(int)
    for sku_id, qty in lines:
        wanted[int(sku_id)] += _check_qty(qty)
    if not wanted:
        raise InventoryError.INVALID_QTY.error(lines=0)
    if stocks is None:
        if not Warehouse.objects.filter(pk=warehouse_id).exists():
            raise InventoryError.UNKNOWN_WAREHOUSE.error(warehouse_id=warehouse_id)
        stocks = lock_stock(list(wanted))
    plan = _plan(stocks, warehouse_id, wanted)
    _apply_plan(plan, ref)
    return plan


def _lock_reservations(ref: str, state: str) -> list[Reservation]:
    """Lock ``ref``'s reservations in ``state`` (by id), ordered for stock updates."""
    locked = list(Reservation.objects.select_for_update().filter(ref=ref, state=state)
                  .order_by("id"))
    stocks = {s.pk: s for s in Stock.objects.filter(pk__in=[r.stock_id for r in locked])
              .select_related("batch")}
    for r in locked:
        r.stock = stocks[r.stock_id]
    return sorted(locked, key=lambda r: (_fefo_key(r.stock), r.pk))


# Closing a ref's active reservations (commit or release): lock them with their
# stock rows in the global lock order (the FEFO order, then reservation id), then
# write in one statement on PostgreSQL (three on SQLite): close the reservations,
# take the units off the stock rows with a guarded UPDATE, append the ledger rows.
def _close_lock_sql() -> str:
    lock = " FOR UPDATE OF r, st" if connection.vendor == "postgresql" else ""
    return ("SELECT r.id, r.stock_id, r.qty"
            f" FROM {Reservation._meta.db_table} r"
            f" JOIN {Stock._meta.db_table} st ON st.id = r.stock_id"
            f" JOIN {Batch._meta.db_table} b ON b.id = st.batch_id"
            " WHERE r.ref = %s AND r.state = %s"
            " ORDER BY st.sku_id, b.expiry ASC NULLS LAST, st.batch_id, st.warehouse_id, r.id"
            + lock)


# Only "%s" placeholders are formatted into these; values go as parameters.
_CLOSE_RESERVATIONS = ("UPDATE inventory_reservation SET state = %s, closed_at = %s"
                       " WHERE id IN ({ids}) AND state = 'active'")
_CLOSE_STOCK = ("UPDATE inventory_stock SET on_hand = inventory_stock.on_hand - v.d,"
                " reserved = inventory_stock.reserved - v.n"
                " FROM (SELECT column1 AS id, column2 AS n, column3 AS d"
                " FROM (VALUES {rows}) AS t) AS v"
                " WHERE inventory_stock.id = v.id AND inventory_stock.reserved >= v.n"
                " AND inventory_stock.on_hand >= v.d")
_CLOSE_MOVES = ("INSERT INTO inventory_stockmove"
                " (stock_id, kind, on_hand_delta, reserved_delta, ref, note, at) VALUES {rows}")


def _pg_close(close: str, stock: str, moves: str) -> str:
    return (f"WITH r AS ({close} RETURNING id),"
            f" s AS ({stock} RETURNING inventory_stock.id),"
            f" m AS ({moves} RETURNING id)"
            " SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM s),"
            " (SELECT count(*) FROM m)")


def _close_active(ref: str, state: str, kind: str, sold: bool, note: str = "") -> int:
    """Move ``ref``'s active reservations to ``state``: reserved goes down by
    their units, and on_hand too when ``sold``. Returns the units; 0 when none
    are active (already closed: a repeat or a concurrent call got there first).
    The guards (state still active, reserved >= units, on_hand >= units) cannot
    fail while the rows are locked; if one did, the ledger would not balance,
    so the whole change is refused (IntegrityError, as the CHECK constraints
    would) instead of being partly applied."""
    with connection.cursor() as cur:
        cur.execute(_close_lock_sql(), [ref, str(Reservation.State.ACTIVE)])
        locked = cur.fetchall()
        if not locked:
            return 0
        per_stock: dict[int, int] = defaultdict(int)
        for _, stock_id, qty in locked:
            per_stock[stock_id] += qty
        now = connection.ops.adapt_datetimefield_value(clock.now())
        ids = [rid for rid, _, _ in locked]
        close_params: list[Any] = [str(state), now, *ids]
        stock_params: list[Any] = [x for stock_id, n in per_stock.items()
                                      for x in (stock_id, n, n if sold else 0)]
        move_params: list[Any] = [x for _, stock_id, qty in locked
                                     for x in (stock_id, str(kind), -qty if sold else 0, -qty, ref,
                                               note[:200], now)]
        close = _CLOSE_RESERVATIONS.format(ids=", ".join(["%s"] * len(ids)))
        stock = _CLOSE_STOCK.format(rows=", ".join(["(%s, %s, %s)"] * len(per_stock)))
        moves_sql = _CLOSE_MOVES.format(
            rows=", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(locked)))
        if connection.vendor == "postgresql":
            cur.execute(_pg_close(close, stock, moves_sql),
                        [*close_params, *stock_params, *move_params])
            closed, stocks, moves = cur.fetchone()
        else:
            cur.execute(close, close_params)
            closed = cur.rowcount
            cur.execute(stock, stock_params)
            stocks = cur.rowcount
            cur.execute(moves_sql, move_params)
            moves = cur.rowcount
    if (closed, stocks, moves) != (len(ids), len(per_stock), len(locked)):
        raise IntegrityError(f"stock ledger of {ref} would not balance "
                             f"({closed}/{len(ids)} reservations, {stocks}/{len(per_stock)}"
                             f" stock rows, {moves}/{len(locked)} moves)")
    return sum(qty for _, _, qty in locked)


@transaction.atomic(savepoint=False)
def release(ref: str, note: str = "") -> int:
    """Give back the units held for ``ref`` (order cancelled or unpaid). Returns the
    number of units released; a second call releases nothing and returns 0."""
    return _close_active(ref, Reservation.State.RELEASED, StockMove.Kind.RELEASE, False, note)


@transaction.atomic(savepoint=False)
def commit(ref: str) -> int:
    """The order was paid: its held units are sold (on_hand and reserved both go
    down). Returns the units committed; idempotent (a repeat returns 0)."""
    return _close_active(ref, Reservation.State.COMMITTED, StockMove.Kind.COMMIT, True)


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

