"""Where the embedded customs simulator keeps its state: a row in the
platform's database (customs.SimulatorState), saved after every change and read
when the simulator starts, so a restart of the process does not forget what
customs knows. It goes with the database: a fresh database is a fresh customs
(order numbers start again), a backup restores both, a test's rollback undoes
both."""

from __future__ import annotations

import json
import logging
from typing import Any

from shequn.core import clock
from shequn.customs.models import SimulatorState

log = logging.getLogger("shequn.customs")


class DatabaseStore:
    """``customs.sim.store.Store`` on the platform's database."""

    def __init__(self, name: str = "embedded") -> None:
        self.name = name
        self._version = 0

    def load(self) -> dict[str, Any] | None:
        row = SimulatorState.objects.filter(name=self.name).first()
        if row is None:
            return None
        self._version = row.version
        data: dict[str, Any] = json.loads(row.state)
        return data

    def save(self, state: dict[str, Any]) -> None:
        self._version += 1
        text = json.dumps(state, ensure_ascii=False)
        now = clock.now()
        saved = SimulatorState.objects.filter(name=self.name, version__lt=self._version).update(
            state=text, version=self._version, saved_at=now)
        if saved:
            return
        _, created = SimulatorState.objects.get_or_create(
            name=self.name, defaults={"state": text, "version": self._version, "saved_at": now})
        if not created:
            log.warning("customs simulator state %s: a newer save exists, this one dropped",
                        self.name)
