"""Every CSV/XLSX export makes text a spreadsheet would run as a formula inert,
also after leading blanks and in full-width forms."""

from __future__ import annotations

import csv
import io

import pytest

from shequn.analytics.exports import to_csv
from shequn.core.spreadsheet import formula_safe, safe_cell


@pytest.mark.parametrize("value", [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =1", "   +cmd", "\u3000=1",
    "\u00a0@x", "\n=1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "  ＝HYPERLINK(\"x\")",
])
def test_formula_triggers_are_neutralised(value):
    assert formula_safe(value) == "'" + value
    row = next(csv.reader(io.StringIO(to_csv(["h"], [[value]]).lstrip("\ufeff")
                                      .split("\r\n", 1)[1])))
    assert row[0].startswith("'")


@pytest.mark.parametrize("value", ["abc", "a=b", "团长 =1", "1-2", "", "x@y.z"])
def test_plain_text_is_unchanged(value):
    assert formula_safe(value) == value


def test_numbers_stay_numbers():
    from decimal import Decimal

    assert safe_cell(Decimal("-5.00")) == Decimal("-5.00") and safe_cell(-3) == -3
    assert to_csv(["n"], [[Decimal("-5.00")]]).endswith("-5.00\r\n")


def test_income_report_uses_the_same_rule():
    from shequn.commission import reports

    assert reports._safe(" ＝cmd") == "' ＝cmd"
    assert reports._safe(" ＝cmd") == safe_cell(" ＝cmd")
