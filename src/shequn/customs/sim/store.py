"""Where the simulator keeps its state between runs, so a restart does not
forget what customs knows (an order released yesterday can be returned today).

``Store`` is the port: ``load()`` the last saved state (None when there is
none) and ``save(state)`` after every change. ``FileStore`` writes a JSON file
(``--snapshot`` / ``SHEQUN_SIM_SNAPSHOT_PATH``: the separate simulator process);
the embedded simulator keeps it in the platform's database (``customs.simstate``)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol


class Store(Protocol):
    def load(self) -> dict[str, Any] | None: ...

    def save(self, state: dict[str, Any]) -> None: ...


class FileStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def save(self, state: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sim-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False)
        os.replace(tmp, self.path)  # atomic: a crash leaves the old or the new snapshot
