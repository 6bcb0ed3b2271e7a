"""What the simulated single window's desks share: the configuration, one
seeded random source (so a run is reproducible), the books, the scheduler and
the quota ledger."""

from __future__ import annotations

import random
from dataclasses import dataclass

from shequn.customs.sim.books import Books
from shequn.customs.sim.config import SimConfig
from shequn.customs.sim.quota import QuotaLedger
from shequn.customs.sim.scheduler import Scheduler


@dataclass
class Office:
    config: SimConfig
    rng: random.Random
    books: Books
    scheduler: Scheduler
    ledger: QuotaLedger
