"""``SingleWindow``: the customs single window (中国国际贸易单一窗口 / 统一版系统) as
an embeddable, thread-safe object.

``submit`` takes what an enterprise sends (a bare CEB message or a ``DxpMsg``),
refuses malformed or schema-invalid input at once with a CEB900, and otherwise
schedules the steps customs takes. ``tick(now)`` / ``due_receipts(now)`` run the
steps that are due and hand back the receipts, so tests drive time themselves and
never sleep. Receipts are delivered to a callback with retries; fault injection
(rejections, holds, duplicates, reordering) comes from ``SimConfig``.

The window only puts the parts together, under one lock, and saves the state
after every change:

    intake      arrival: CEB900 refusals, resubmissions, filing, signatures
    documents   311 / 411 / 511 / 513 lifecycle
    inventory   621 lifecycle (check, holds, release, tax bill, close)
    requests    623 cancellation and 625 return lifecycles
    scheduler   steps due later, receipts going out (retries, dead letters)
    quota       customs' ledger of each buyer's annual quota
    books       what customs knows (documents, declarations, index, numbering)
    store       where the state is kept between runs (JSON file, or the DB)
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shequn.customs.sim.books import Books
from shequn.customs.sim.config import SimConfig
from shequn.customs.sim.documents import DocumentDesk
from shequn.customs.sim.intake import Intake
from shequn.customs.sim.inventory import InventoryDesk
from shequn.customs.sim.office import Office
from shequn.customs.sim.quota import QuotaLedger
from shequn.customs.sim.records import Declaration, Receipt, SubmitResult, epoch
from shequn.customs.sim.requests import RequestDesk
from shequn.customs.sim.scheduler import Scheduler
from shequn.customs.sim.store import FileStore, Store

log = logging.getLogger("shequn.customs.sim")

Clock = Callable[[], dt.datetime]
Deliver = Callable[[Receipt], None]

__all__ = ["Declaration", "Receipt", "SingleWindow", "SubmitResult"]


class SingleWindow:
    """The simulated single window. Thread-safe; its state lives in memory and
    is saved to ``store`` (default: a JSON file at ``config.snapshot_path``, if
    set) after every change, and read back when it starts."""

    def __init__(self, config: SimConfig | None = None, *, deliver: Deliver | None = None,
                 clock: Clock | None = None, store: Store | None = None) -> None:
        self.config = config or SimConfig()
        self.deliver = deliver
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.RLock()
        self.store = store or (FileStore(self.config.snapshot_path)
                               if self.config.snapshot_path else None)
        self._rng = random.Random(self.config.seed)
        self.books = Books()
        self.scheduler = Scheduler(self.config, self._rng)
        self.ledger = QuotaLedger()
        office = Office(self.config, self._rng, self.books, self.scheduler, self.ledger)
        self.intake = Intake(office)
        self.inventory = InventoryDesk(office)
        self._steps = {**DocumentDesk(office).steps(), **self.inventory.steps(),
                       **RequestDesk(office, self.inventory).steps()}
        state = self.store.load() if self.store is not None else None
        if state is not None:
            self._restore(state)

    # Views of the books (tests, the HTTP server).
    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        return self.books.orders

    @property
    def declarations(self) -> dict[str, Declaration]:
        return self.books.declarations

    @property
    def dead(self) -> list[Receipt]:
        return self.scheduler.dead

    # ------------------------------------------------------------------ intake

    def submit(self, data: bytes, now: dt.datetime | None = None) -> SubmitResult:
        """Receive one message (bare CEB XML or a DxpMsg). Never raises for bad input."""
        at = epoch(now or self._clock())
        with self._lock:
            result = self.intake.submit(data, at)
            self._save()
        return result

    # --------------------------------------------------------------- scheduler

    def tick(self, now: dt.datetime | None = None) -> list[Receipt]:
        """Run every step due by ``now`` and deliver the receipts that are due
        (to ``deliver``; failures are retried with backoff). Returns what was
        handed to ``deliver`` (or would have been, when there is none)."""
        at = epoch(now or self._clock())
        batch = self.due_receipts(now or dt.datetime.fromtimestamp(at, dt.UTC))
        if self.deliver is None:
            return batch
        failed: list[Receipt] = []
        for item in batch:
            try:
                self.deliver(item)
            except Exception as exc:  # any failure of the receiver is retried
                log.warning("delivery of %s %s failed: %s", item.message_type, item.ref, exc)
                failed.append(item)
        if failed:
            with self._lock:
                for item in failed:
                    self.scheduler.retry(item, at)
                self._save()
        return batch

    def due_receipts(self, now: dt.datetime | None = None) -> list[Receipt]:
        """Run the due steps and take the receipts due by ``now`` off the queue,
        without delivering them (the caller delivers)."""
        at = epoch(now or self._clock())
        with self._lock:
            steps = self.scheduler.run(at, self._steps)
            batch = self.scheduler.take_due(at)
            if steps or batch:
                self._save()
        return batch

    def pending(self) -> int:
        """Steps and receipts still to come (0 when the simulator is idle)."""
        with self._lock:
            return self.scheduler.pending()

    def next_due(self) -> float | None:
        with self._lock:
            return self.scheduler.next_due()

    # -------------------------------------------------------------- queries

    def declaration(self, key: str) -> dict[str, Any] | None:
        """State of a declaration by invtNo, preNo or copNo (debugging, GET endpoint)."""
        with self._lock:
            index = self.books.index
            decl_id = (index.get(f"invt:{key}") or index.get(f"pre:{key}")
                       or index.get(f"copno:{key}"))
            if decl_id is None:
                return None
            decl = self.books.declarations[decl_id]
            return {"copNo": decl.cop_no, "preNo": decl.pre_no, "invtNo": decl.invt_no,
                    "orderNo": decl.head.get("orderNo"), "state": decl.state,
                    "status": decl.status, "taxNo": decl.tax_no, "returned": decl.returned,
                    "history": list(decl.history)}

    def quota_used(self, id_number: str, year: int) -> Decimal:
        with self._lock:
            return self.ledger.used(id_number, str(year))

    def set_quota_used(self, id_number: str, year: int, amount: Decimal | str) -> None:
        """Preset a buyer's used annual quota (purchases made elsewhere)."""
        with self._lock:
            self.ledger.set_used(id_number, str(year), amount)
            self._save()

    # ------------------------------------------------------------ persistence

    def state(self) -> dict[str, Any]:
        """Everything the simulator knows, as JSON-ready data (one snapshot)."""
        with self._lock:
            return {**self.scheduler.dump(), **self.books.dump(), **self.ledger.dump(),
                    **self.intake.dump(), "rng": self._rng.getstate()}

    def _save(self) -> None:
        if self.store is not None:
            self.store.save(self.state())

    def _restore(self, state: dict[str, Any]) -> None:
        self.scheduler.load(state)
        loaded = Books.load(state)
        for name in ("orders", "payments", "waybills", "declarations", "requests", "index",
                     "serial", "last_time"):
            # The desks hold this Books object: fill it in place.
            setattr(self.books, name, getattr(loaded, name))
        self.ledger.load(state)
        self.intake.load(state)
        version, internal, gauss = state["rng"]
        self._rng.setstate((version, tuple(internal), gauss))
