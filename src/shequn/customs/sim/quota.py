"""Customs' own ledger of each buyer's annual CBEC quota (per resident ID per
calendar year): consumed when an inventory is accepted, given back on
rejection after review, cancellation and return. Amounts are kept as strings
of Decimals (the JSON snapshot's form)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shequn.customs.sim.records import id_key


class QuotaLedger:
    def __init__(self) -> None:
        self.used_by_id: dict[str, dict[str, str]] = {}  # ID number → year → used amount

    def used(self, id_number: str, year: str) -> Decimal:
        return Decimal(self.used_by_id.get(id_key(id_number), {}).get(year, "0"))

    def set_used(self, id_number: str, year: str, amount: Decimal | str) -> None:
        self.used_by_id.setdefault(id_key(id_number), {})[year] = str(Decimal(amount))

    def give_back(self, id_number: str, year: str, amount: Decimal) -> None:
        used = self.used(id_number, year)
        self.used_by_id.setdefault(id_key(id_number), {})[year] = str(
            max(used - amount, Decimal(0)))

    def dump(self) -> dict[str, Any]:
        return {"quota": self.used_by_id}

    def load(self, state: dict[str, Any]) -> None:
        self.used_by_id = state["quota"]
