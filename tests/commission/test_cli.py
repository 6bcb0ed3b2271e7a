"""``shequn commission …`` sub-commands."""

from __future__ import annotations

import pytest

from shequn.commission import cli, reports
from shequn.commission.models import CommissionLine
from shequn.core import clock
from tests.builders import complete, paid_order

pytestmark = pytest.mark.django_db


def test_settle_income_and_check(leader, sku, default_plan, capsys, tmp_path):
    complete(paid_order(leader[1], sku))
    assert cli.main(["settle"]) == 0
    assert "1 lines" in capsys.readouterr().out
    assert CommissionLine.objects.get().state == "settled"
    now = clock.now().astimezone(reports.SHANGHAI)
    out = tmp_path / "income.xlsx"
    assert cli.main(["income", str(now.year), str((now.month - 1) // 3 + 1), "--xlsx",
                     "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"
    assert cli.main(["check"]) == 0
    assert "ledger OK" in capsys.readouterr().out
    assert cli.main(["income", "2026", "7"]) == 2
    assert cli.main(["bogus"]) == 2
