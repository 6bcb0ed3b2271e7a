"""Leader console reads and the quarterly income report (issue 3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shequn.accounts.models import User
from shequn.commission import reports, selectors, services
from shequn.commission.errors import CommissionError
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.shops.models import Listing
from tests.builders import complete, leader_and_shop, make_buyable, paid_order

pytestmark = pytest.mark.django_db


def test_product_commissions_follow_the_plans(operator, leader, default_plan):
    user, shop = leader
    a = make_buyable(price="200.00", stock=1)
    b = make_buyable(price="50.00", stock=1)
    services.create_plan(operator, scope="product", kind="fixed", fixed_amount="12.00",
                         product=b.product)
    for s in (a, b):
        Listing.objects.create(shop=shop, product=s.product)
    rows = {r.product_id: r for r in selectors.product_commissions(user)}
    assert rows[a.product.pk].per_unit == Decimal("20.00")
    assert rows[a.product.pk].plan_kind == "rate"
    assert rows[b.product.pk].per_unit == Decimal("12.00")
    assert selectors.plan_for_product(b.product).kind == "fixed"
    other, _ = leader_and_shop()
    assert selectors.product_commissions(other) == []


def test_earnings_series_by_day(leader, sku, default_plan):
    user, shop = leader
    clock.advance(dt.timedelta(days=-3))
    first = paid_order(shop, sku)
    clock.reset()
    second = paid_order(shop, sku, qty=2)
    complete(first)
    services.settle_due()
    series = selectors.earnings_series(user, days=7)
    assert len(series) == 7
    assert sum((p.accrued for p in series), Decimal("0")) == Decimal("89.40")
    assert series[-1].accrued == Decimal("59.60") and series[-1].settled == Decimal("29.80")
    assert series[-4].accrued == Decimal("29.80") and series[-4].orders == 1
    del second


def test_quarterly_income_report(leader, sku, default_plan, operator):
    user, shop = leader
    order = paid_order(shop, sku, qty=2)
    complete(order)
    services.settle_due()
    w = services.request_withdrawal(user, "20.00")
    services.approve_withdrawal(operator, w.pk)
    services.payout_withdrawal(w.pk)
    now = clock.now().astimezone(reports.SHANGHAI)
    year, quarter = now.year, (now.month - 1) // 3 + 1
    (row,) = reports.quarterly_income(year, quarter)
    assert (row.leader_id, row.settled, row.clawback, row.net_income, row.paid_out,
            row.lines) == (user.pk, Decimal("59.60"), 0, Decimal("59.60"), Decimal("20.00"), 1)
    text = reports.income_csv(year, quarter).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == reports.HEADERS and rows[1][1] == str(user.pk)
    assert rows[1][7] == "59.60"
    wb = load_workbook(io.BytesIO(reports.income_xlsx(year, quarter)))
    ws = wb.active
    assert [c.value for c in ws[1]] == reports.HEADERS
    assert Decimal(str(ws.cell(2, 8).value)) == Decimal("59.60")
    # Another quarter has nothing.
    assert reports.quarterly_income(year - 1, quarter) == []
    with pytest.raises(DomainError) as exc:
        reports.quarterly_income(year, 5)
    assert exc.value.code == CommissionError.BAD_QUARTER


def test_income_export_neutralises_formulas(leader, sku, default_plan):
    user, shop = leader
    user.username = "=HYPERLINK(\"http://evil\")"
    user.save()
    complete(paid_order(shop, sku))
    services.settle_due()
    now = clock.now().astimezone(reports.SHANGHAI)
    text = reports.income_csv(now.year, (now.month - 1) // 3 + 1).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[2].startswith("'=")


def test_admin_pages_are_read_only(client, leader, sku, default_plan):
    from shequn.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "root-pass-2026")
    complete(paid_order(leader[1], sku))
    services.settle_due()
    client.force_login(admin)
    for model in ("commissionplan", "commissionline", "posting", "leaderbalance",
                  "settlementrun", "withdrawal", "policysetting"):
        assert client.get(f"/admin/commission/{model}/").status_code == 200
        assert client.get(f"/admin/commission/{model}/add/").status_code == 403


def test_period_summary_for_the_dashboard(leader, sku, default_plan):
    user, shop = leader
    clock.advance(dt.timedelta(days=-10))
    old = paid_order(shop, sku)
    clock.reset()
    today = paid_order(shop, sku, qty=2)
    complete(old)
    services.settle_due()
    day = selectors.period_summary(user, 1)
    assert (day.orders, day.earned, day.pending, day.settled) == (
        1, Decimal("59.60"), Decimal("59.60"), Decimal("29.80"))
    assert day.sales == Decimal("596.00")
    month = selectors.period_summary(user, 30)
    assert (month.orders, month.earned, month.pending) == (2, Decimal("89.40"),
                                                           Decimal("59.60"))
    del today


def test_income_report_names_the_leader_as_they_applied(sku, default_plan, operator):
    from shequn.core.models import AuditLog
    from shequn.distribution import applications

    user = User.objects.create_user(username="applied-leader", password="x-pass-2026")
    profile = applications.apply(user, real_name="王五", phone="13700001234", region="广州")
    profile = applications.approve(profile.pk, operator, "ok")
    complete(paid_order(profile.shop, sku))
    services.settle_due()
    now = clock.now().astimezone(reports.SHANGHAI)
    (row,) = reports.quarterly_income(now.year, (now.month - 1) // 3 + 1)
    assert row.leader_id == user.pk and row.name == "王五"
    assert AuditLog.objects.filter(action="pii.decrypt",
                                   detail__purpose="quarterly income report").exists()
