"""CSV exports of the analytics (UTF-8 with BOM so spreadsheet programs on Chinese
Windows open it correctly). Cells that a spreadsheet would run as a formula are
prefixed with an apostrophe (CSV injection, ``formula_safe``: also after
leading blanks and in full-width forms); numbers are written as they are.
``shequn.core.spreadsheet`` holds the one rule for every CSV and XLSX export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequn.analytics import fission, funnels
from shequn.core.spreadsheet import formula_safe


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
                 _("Orders"),
                 _("Checkouts"), _("Goods value"), _("Conversion"))
K_FACTOR_HEADER = (_("Cohort month"), _("Leaders"), _("Invites"), _("Invites per leader"),
                   _("Activated"), _("Activation"), _("K-factor"))
TEAM_HEADER = (_("Distribution"), _("Bucket"), _("Leaders"))


def funnel_csv(dimension: str, since: dt.datetime | None = None,
               until: dt.datetime | None = None) -> str:
    rows = funnels.funnel(dimension, since, until)
    return to_csv(FUNNEL_HEADER, ([dimension, r.key, r.label, r.shares, r.visits, r.visitors,
                                   r.orders, r.checkouts, r.goods_value, r.conversion]
                                  for r in rows))


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
