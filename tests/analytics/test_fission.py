"""K-factor per monthly cohort, team size / depth distributions and CSV exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from shequn.analytics import exports, fission
from shequn.distribution.models import LeaderProfile
from shequn.orders.models import Order
from tests.builders import Net, make_application, set_approved_at

pytestmark = pytest.mark.django_db


def _at(year: int, month: int, day: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 12))


@pytest.fixture
def net() -> Net:
    return Net()


def test_k_factor_counts_invites_and_activation_per_cohort(net: Net):
    # March cohort: two leaders. Leader a invites three people: one approved and selling
    # within 30 days (activated), one approved but selling only after 40 days (not),
    # one still pending (an invite, never activated). b invites nobody.
    a, b = net.leader(), net.leader()
    set_approved_at(a, _at(2026, 3, 5))
    set_approved_at(b, _at(2026, 3, 20))
    quick = net.leader(inviter=a)
    slow = net.leader(inviter=a)
    make_application(invite_code=a.invite_code or "")
    set_approved_at(quick, _at(2026, 4, 1))
    set_approved_at(slow, _at(2026, 4, 1))
    Order.objects.filter(pk=net.sale(quick).pk).update(paid_at=_at(2026, 4, 20))
    Order.objects.filter(pk=net.sale(slow).pk).update(paid_at=_at(2026, 5, 11))

    cohorts = {c.month: c for c in fission.k_factor_by_cohort()}
    march, april = cohorts[dt.date(2026, 3, 1)], cohorts[dt.date(2026, 4, 1)]
    assert (march.leaders, march.invites, march.activated) == (2, 3, 1)
    assert march.invites_per_leader == Decimal("1.500")
    assert march.activation == Decimal("0.333")
    assert march.k_factor == Decimal("0.500")  # = i × c = 1 activated / 2 leaders
    assert (april.leaders, april.invites, april.activated, april.activation) == (2, 0, 0, None)
    assert april.k_factor == Decimal("0.000")


def test_a_refund_does_not_undo_activation_but_an_unpaid_order_never_activates(net: Net):
    a = net.leader()
    paid = net.leader(inviter=a)
    unpaid_only = net.leader(inviter=a)
    order = net.sale(paid)
    Order.objects.filter(pk=order.pk).update(state=Order.State.REFUNDED)
    from tests.builders import make_buyer, place_order_for

    place_order_for(make_buyer(), net.sku, shop=unpaid_only.shop)
    row = fission.k_factor_by_cohort()[-1]
    assert (row.invites, row.activated) == (2, 1)


def test_team_distributions(net: Net):
    root = net.leader()
    child = net.leader(inviter=root)
    net.leader(inviter=child)
    net.leader(inviter=root)
    loner = net.leader()
    sizes = {b.label: b.leaders for b in fission.team_size_distribution()}
    # root has 3 below, child 1, the three others 0.
    assert sizes["0"] == 3 and sizes["1"] == 1 and sizes["2–5"] == 1
    assert sum(sizes.values()) == LeaderProfile.objects.filter(status="approved").count()
    depths = {b.label: b.leaders for b in fission.depth_distribution()}
    assert depths == {"0": 2, "1": 2, "2": 1}
    team_depths = {b.label: b.leaders for b in fission.team_depth_distribution()}
    assert team_depths == {"0": 3, "1": 1, "2": 1}
    assert loner.team_size == 0


def test_frozen_leaders_leave_the_distributions(net: Net):
    from shequn.distribution import applications

    a = net.leader()
    applications.freeze(a.pk, net.operator, "违规")
    assert sum(b.leaders for b in fission.team_size_distribution()) == 0


def _rows(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_exports(net: Net):
    a = net.leader()
    net.leader(inviter=a)
    net.visit(a, None, "poster")
    net.sale(a, channel="poster")
    rows = _rows(exports.funnel_csv("channel"))
    assert rows[0] == [str(h) for h in exports.FUNNEL_HEADER]
    poster = next(r for r in rows if r[1] == "poster")
    assert poster[4:8] == ["1", "1", "1", "1"] and poster[9] == "1.0000"
    k = _rows(exports.k_factor_csv())
    assert k[0] == [str(h) for h in exports.K_FACTOR_HEADER] and k[1][1] == "2" and k[1][2] == "1"
    team = _rows(exports.team_csv())
    assert ["depth", "1", "1"] in team


def test_csv_cells_cannot_become_formulas():
    body = exports.to_csv(["a", "b"], [["=HYPERLINK(\"x\")", "+1"], ["ok", -3]])
    rows = _rows(body)
    assert rows[1] == ["'=HYPERLINK(\"x\")", "'+1"]
    assert rows[2] == ["ok", "-3"]  # a number stays a number


def test_export_headers_are_in_the_operators_language():
    from django.utils import translation

    with translation.override("en"):
        assert _rows(exports.team_csv())[0] == ["Distribution", "Bucket", "Leaders"]
    with translation.override("zh-hans"):
        assert _rows(exports.team_csv())[0] == ["分布", "区间", "团长"]
