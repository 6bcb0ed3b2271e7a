"""The one rule of every CSV and XLSX export (analytics, commission reports):
a cell that a spreadsheet would run as a formula gets an apostrophe in front
(CSV injection), numbers are written as they are. It lives in core so every
domain's export uses it without importing analytics."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# What makes a spreadsheet read a cell as a formula: = + - @, a tab or a carriage
# return first, also in their full-width forms (Excel and WPS read ＝SUM(…) as
# =SUM(…)), and also after leading blanks, which spreadsheets skip.
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
_BLANKS = " \u3000\u00a0\n"


def formula_safe(value: str) -> str:
    """``value`` with an apostrophe in front when a spreadsheet would run it as a
    formula (CSV/XLSX injection); anything else unchanged."""
    if value[:1] in FORMULA_TRIGGERS or value.lstrip(_BLANKS)[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def safe_cell(value: Any) -> Any:
    """A cell for any export: text made formula-safe, numbers and the rest as they are."""
    return formula_safe(value) if isinstance(value, str) else value


class _Echo:
    """A file that hands back what is written (csv.writer writes one row)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Rows as CSV lines, one at a time (for streaming responses), cells made
    formula-safe."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])
