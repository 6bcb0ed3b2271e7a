"""The simulated customs' books: the documents it accepted (orders, payments,
waybills), the declarations and requests it received, the index that finds
them by copNo / preNo / invtNo / order / waybill, and the numbering it hands
out (serials, pre-entry numbers, strictly increasing returnTimes)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shequn.customs.sim import xmlio
from shequn.customs.sim.records import Declaration, Request
from shequn.customs.sim.xmlio import Record

# Internal states of a declaration that still stands (not customs codes).
LIVE = ("declaring", "accepted", "held", "released", "closed")


@dataclass
class Books:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, Record] = field(default_factory=dict)
    waybills: dict[str, Record] = field(default_factory=dict)
    declarations: dict[str, Declaration] = field(default_factory=dict)
    requests: dict[str, Request] = field(default_factory=dict)
    index: dict[str, str] = field(default_factory=dict)  # copNo / preNo / invtNo → decl id
    serial: dict[str, int] = field(default_factory=dict)
    last_time: dict[str, int] = field(default_factory=dict)  # key → returnTime, epoch ms

    def next(self, prefix: str, width: int) -> str:
        self.serial[prefix] = self.serial.get(prefix, 0) + 1
        return f"{prefix}{self.serial[prefix]:0{width}d}"

    def pre_no(self, at: float) -> str:
        # E-port pre-entry number: "B" + YYYYMMDD + 9-digit serial (18 characters).
        return "B" + xmlio.beijing(at).strftime("%Y%m%d") + self.next("pre", 9)[3:]

    def stamp(self, key: str, at: float) -> str:
        """returnTime, strictly increasing per key (1 ms apart at least)."""
        # Whole milliseconds, as rendered: a later receipt never shows an equal time.
        ms = max(round(at * 1000), int(self.last_time.get(key, -1)) + 1)
        self.last_time[key] = ms
        return xmlio.return_time(ms / 1000)

    def declaration_at(self, index_key: str) -> Declaration | None:
        return self.declarations.get(self.index.get(index_key, ""))

    def live(self, index_key: str) -> bool:
        """Whether the declaration indexed under ``index_key`` is still alive."""
        decl = self.declaration_at(index_key)
        return decl is not None and decl.state in LIVE

    def dump(self) -> dict[str, Any]:
        return {"serial": self.serial, "orders": self.orders, "payments": self.payments,
                "waybills": self.waybills,
                "declarations": {k: asdict(v) for k, v in self.declarations.items()},
                "requests": {k: asdict(v) for k, v in self.requests.items()},
                "index": self.index, "last_time": self.last_time}

    @classmethod
    def load(cls, state: dict[str, Any]) -> Books:
        return cls(orders=state["orders"], payments=state["payments"],
                   waybills=state["waybills"],
                   declarations={k: Declaration(**v) for k, v in state["declarations"].items()},
                   requests={k: Request(**v) for k, v in state["requests"].items()},
                   index=state["index"], serial=state["serial"], last_time=state["last_time"])
