"""Quarterly commission income of every leader (国务院令第810号: platforms report
the income, including 佣金收入, of individuals earning through them each quarter).
Income is recognised when commission settles; clawbacks booked in the quarter
are deducted. Exports return bytes; the ops pages serve them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from shequn.accounts.models import User
from shequn.commission.errors import CommissionError
from shequn.commission.models import Account, CommissionLine, Posting
from shequn.core.spreadsheet import safe_cell

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")

# Column headers in the language of the operator who downloads the report.
HEADERS = [_("Quarter"), _("Leader ID"), _("Username"), _("Name"), _("Phone"),
           _("Settled commission"), _("Clawed back"), _("Commission income"), _("Withdrawn"),
           _("Fees"), _("Settled lines")]


@dataclass(frozen=True)
class IncomeRow:
    quarter: str
    leader_id: int
    username: str
    name: str
    phone: str  # masked
    settled: Decimal
    clawback: Decimal
    net_income: Decimal
    paid_out: Decimal
    fees: Decimal
    lines: int

    def cells(self) -> list[object]:
        return [self.quarter, self.leader_id, self.username, self.name, self.phone,
                self.settled, self.clawback, self.net_income, self.paid_out, self.fees,
                self.lines]


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar quarter in Asia/Shanghai."""
    if quarter not in (1, 2, 3, 4) or not (2000 <= year <= 2100):
        raise CommissionError.BAD_QUARTER.error(year=year, quarter=quarter)
    start = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=SHANGHAI)
    end = (dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI) if quarter == 4
           else dt.datetime(year, 3 * quarter + 1, 1, tzinfo=SHANGHAI))
    return start, end


def quarterly_income(year: int, quarter: int) -> list[IncomeRow]:
    start, end = quarter_bounds(year, quarter)
    rows = (Posting.objects.filter(at__gte=start, at__lt=end)
            .values("leader_id")
            .annotate(
                settled=Sum("amount", filter=Q(kind="settle", account=Account.AVAILABLE)),
                clawback=Sum("amount", filter=Q(kind="clawback", account=Account.AVAILABLE)),
                paid=Sum("amount", filter=Q(kind="paid", account=Account.PAID)),
                fees=Sum("amount", filter=Q(kind="paid", account=Account.FEES)))
            .order_by("leader_id"))
    counts = dict(CommissionLine.objects.filter(settled_at__gte=start, settled_at__lt=end)
                  .values("leader_id").annotate(n=Count("id")).values_list("leader_id", "n"))
    users = User.objects.in_bulk([r["leader_id"] for r in rows])
    real_names = _real_names(list(users))
    label = f"{year}Q{quarter}"
    out = []
    for r in rows:
        settled = -(r["settled"] or ZERO)
        clawback = r["clawback"] or ZERO
        if not (settled or clawback or r["paid"]):
            continue
        user = users[r["leader_id"]]
        out.append(IncomeRow(
            quarter=label, leader_id=user.pk, username=user.username,
            name=real_names.get(user.pk) or user.display_name or user.get_full_name(),
            phone=user.phone_masked,
            settled=settled, clawback=clawback, net_income=settled - clawback,
            paid_out=-(r["paid"] or ZERO), fees=-(r["fees"] or ZERO),
            lines=counts.get(r["leader_id"], 0)))
    return out


def _real_names(user_ids: list[int]) -> dict[int, str]:
    """The leaders' real names as they applied (the tax authority needs the
    person, not the shop name); the decryption is audited (PIPL)."""
    from shequn.core import audit, pii
    from shequn.distribution.models import LeaderProfile

    found = dict(LeaderProfile.objects.filter(user_id__in=user_ids)
                 .values_list("user_id", "real_name_enc"))
    if found:
        audit.record(None, "pii.decrypt", None, purpose="quarterly income report",
                     leaders=len(found))
    return {uid: pii.decrypt(enc) for uid, enc in found.items()}


def _safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula is quoted (CSV injection);
    the one rule of every export (also after blanks and in full-width forms)."""
    return safe_cell(value)


def income_csv(year: int, quarter: int) -> bytes:
    """UTF-8 with BOM so spreadsheet programs in China open it correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([str(h) for h in HEADERS])
    for row in quarterly_income(year, quarter):
        writer.writerow([f"{c:.2f}" if isinstance(c, Decimal) else _safe(c)
                         for c in row.cells()])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def income_xlsx(year: int, quarter: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}Q{quarter} {_('Commission income')}"
    ws.append([str(h) for h in HEADERS])
    for row in quarterly_income(year, quarter):
        ws.append([_safe(c) for c in row.cells()])
        for cell in ws[ws.max_row][5:10]:
            cell.number_format = "0.00"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
