"""CSV exports of the analytics (UTF-8 with BOM so spreadsheet programs on Chinese
Windows open it correctly). Cells that a spreadsheet would run as a formula are
prefixed with an apostrophe (CSV injection, ``formula_safe``: also after
leading blanks and in full-width forms); numbers are written as they are.
``formula_safe``/``safe_cell`` are the one rule for every CSV and XLSX export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequn.analytics import fission, funnels

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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | Decimal):  # numbers are data, never formulas
        return str(value)
    return formula_safe(str(value))


def to_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """``header`` may hold lazy translations: they are written in the active language."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([str(h) for h in header])
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


# Column headers in the language of the operator who downloads the file.
FUNNEL_HEADER = (_("Dimension"), _("Key"), _("Label"), _("Shares"), _("Visits"), _("Visitors"),
                 _("Orders"), _("Goods value"), _("Conversion"))
K_FACTOR_HEADER = (_("Cohort month"), _("Leaders"), _("Invites"), _("Invites per leader"),
                   _("Activated"), _("Activation"), _("K-factor"))
TEAM_HEADER = (_("Distribution"), _("Bucket"), _("Leaders"))


def funnel_csv(dimension: str, since: dt.datetime | None = None,
               until: dt.datetime | None = None) -> str:
    rows = funnels.funnel(dimension, since, until)
    return to_csv(FUNNEL_HEADER, ([dimension, r.key, r.label, r.shares, r.visits, r.visitors,
                                   r.orders, r.goods_value, r.conversion] for r in rows))


def k_factor_csv(since: dt.datetime | None = None) -> str:
    return to_csv(K_FACTOR_HEADER,
                  ([c.month.strftime("%Y-%m"), c.leaders, c.invites, c.invites_per_leader,
                    c.activated, c.activation, c.k_factor]
                   for c in fission.k_factor_by_cohort(since)))


def team_csv() -> str:
    rows: list[tuple[str, str, int]] = []
    rows += [("team_size", b.label, b.leaders) for b in fission.team_size_distribution()]
    rows += [("depth", b.label, b.leaders) for b in fission.depth_distribution()]
    rows += [("team_depth", b.label, b.leaders) for b in fission.team_depth_distribution()]
    return to_csv(TEAM_HEADER, rows)
