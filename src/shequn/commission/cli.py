"""``shequn commission …`` — operator tools for commission money.

    shequn commission settle                      run settlement now (idempotent)
    shequn commission income 2026 4 [--xlsx] [-o FILE]
                                                  quarterly income report (CSV default)
    shequn commission check                       ledger check: unbalanced entries and
                                                  balance rows that differ from postings

Exit status: 0 done / clean, 1 the ledger check found a problem, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    from django.apps import apps

    # Once per process: a second setup would configure logging again onto
    # whatever sys.stderr is at that moment (in tests, a capture since closed).
    if not apps.ready:
        import django

        django.setup()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shequn commission")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("settle", help="settle every pending line of completed orders")
    income = sub.add_parser("income", help="quarterly commission income per leader")
    income.add_argument("year", type=int)
    income.add_argument("quarter", type=int)
    income.add_argument("--xlsx", action="store_true")
    income.add_argument("-o", "--output", default="-")
    sub.add_parser("check", help="verify the ledger")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    _setup()
    from shequn.commission import reports, selectors, services
    from shequn.core.errors import DomainError

    if args.cmd == "settle":
        run = services.settle_due(record_empty=True)
        assert run is not None
        print(f"run {run.pk}: {run.lines_settled} lines, {run.leaders} leaders, "
              f"{run.total:.2f}")
        return 0
    if args.cmd == "income":
        try:
            data = (reports.income_xlsx if args.xlsx else reports.income_csv)(
                args.year, args.quarter)
        except DomainError as exc:
            print(exc.message_en, file=sys.stderr)
            return 2
        if args.output == "-":
            sys.stdout.buffer.write(data)
        else:
            with open(args.output, "wb") as fh:
                fh.write(data)
        return 0
    return _check(selectors)


def _check(selectors) -> int:  # type: ignore[no-untyped-def]
    from django.db.models import Sum

    from shequn.commission.models import Account, LeaderBalance, Posting

    problems = [f"unbalanced entry {e}" for e in selectors.unbalanced_entries()]
    sums = dict(Posting.objects.filter(account=Account.AVAILABLE).values("leader_id")
                .annotate(t=Sum("amount")).values_list("leader_id", "t"))
    for row in LeaderBalance.objects.all():
        if row.available != -(sums.get(row.leader_id) or 0):
            problems.append(f"balance row of leader {row.leader_id}: {row.available} "
                            f"!= postings {-(sums.get(row.leader_id) or 0)}")
    for p in problems:
        print(p)
    print("ledger OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0
