"""The simulator's clock-driven work: the steps customs takes later (a heap of
``(due, seq, step, ref)``) and the receipts waiting to go out, with the fault
injection that belongs to delivery (jitter, duplicates, reordering) and the
retry with backoff of receipts the receiver failed to take (then dead)."""

from __future__ import annotations

import copy
import heapq
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from shequn.customs.sim.config import SimConfig
from shequn.customs.sim.records import Outgoing, Receipt

log = logging.getLogger("shequn.customs.sim")

Step = Callable[[str, float], None]


class Scheduler:
    def __init__(self, config: SimConfig, rng: random.Random) -> None:
        self.config, self.rng = config, rng
        self.seq = 0
        self.events: list[tuple[float, int, str, str]] = []
        self.outgoing: list[Outgoing] = []
        self.dead: list[Receipt] = []

    # ----------------------------------------------------------------- steps

    def schedule(self, due: float, step: str, ref: str) -> None:
        self.seq += 1
        heapq.heappush(self.events, (due, self.seq, step, ref))

    def run(self, at: float, steps: Mapping[str, Step]) -> int:
        """Run every step due by ``at`` (in due order; a step may schedule more)."""
        done = 0
        while self.events and self.events[0][0] <= at:
            due, _, step, ref = heapq.heappop(self.events)
            steps[step](ref, due)
            done += 1
        return done

    # -------------------------------------------------------------- receipts

    def emit(self, msg_type: str, ref: str, status: str, when: str, xml: bytes,
             receiver: str, at: float) -> None:
        self.seq += 1
        item = Receipt(msg_type, ref, status, when, xml.decode("utf-8"), self.seq, receiver)
        jitter = self.rng.uniform(0, self.config.reorder_jitter) \
            if self.config.reorder_jitter else 0.0
        self.outgoing.append(Outgoing(item, at + jitter))
        if self.config.duplicate_rate and self.rng.random() < self.config.duplicate_rate:
            twin = copy.copy(item)
            self.seq += 1
            twin.seq, twin.duplicate = self.seq, True
            self.outgoing.append(Outgoing(twin, at + jitter))

    def take_due(self, at: float) -> list[Receipt]:
        """The receipts due by ``at``, off the queue, in due order (shuffled
        within windows when reordering is injected)."""
        due = sorted((o for o in self.outgoing if o.due <= at),
                     key=lambda o: (o.due, o.receipt.seq))
        self.outgoing = [o for o in self.outgoing if o.due > at]
        batch = [o.receipt for o in due]
        window = self.config.reorder_window
        if window > 1:
            for start in range(0, len(batch), window):
                chunk = batch[start:start + window]
                self.rng.shuffle(chunk)
                batch[start:start + window] = chunk
        return batch

    def retry(self, item: Receipt, at: float) -> None:
        item.attempts += 1
        if item.attempts >= self.config.max_attempts:
            log.error("giving up on %s %s after %d attempts", item.message_type, item.ref,
                      item.attempts)
            self.dead.append(item)
            return
        delay = self.config.retry_backoff * (2 ** (item.attempts - 1))
        self.outgoing.append(Outgoing(item, at + delay))

    # --------------------------------------------------------------- queries

    def pending(self) -> int:
        return len(self.events) + len(self.outgoing)

    def next_due(self) -> float | None:
        times = [e[0] for e in self.events] + [o.due for o in self.outgoing]
        return min(times) if times else None

    # ----------------------------------------------------------- persistence

    def dump(self) -> dict[str, Any]:
        return {"seq": self.seq, "events": self.events,
                "outgoing": [asdict(o) for o in self.outgoing],
                "dead": [asdict(r) for r in self.dead]}

    def load(self, state: dict[str, Any]) -> None:
        self.seq = state["seq"]
        self.events = [tuple(e) for e in state["events"]]  # type: ignore[misc]
        heapq.heapify(self.events)
        self.outgoing = [Outgoing(Receipt(**o["receipt"]), o["due"]) for o in state["outgoing"]]
        self.dead = [Receipt(**r) for r in state["dead"]]
