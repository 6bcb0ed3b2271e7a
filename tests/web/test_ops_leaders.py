"""Ops pages for the network and its money: applications and decisions with reasons,
bindings search by leader or phone, settlement runs, withdrawal audit (an operator
cannot approve their own), fission analytics and CSV exports. Operators only."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from shequn.accounts import roles
from shequn.commission import services as commission
from shequn.commission.models import CommissionLine, SettlementRun, Withdrawal
from shequn.core.models import AuditLog
from shequn.distribution import applications, binding
from shequn.distribution.models import LeaderProfile
from tests.builders import Net, complete, make_application, make_buyer, make_operator

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
PAGES = ("ops:leaders", "ops:bindings", "ops:settlement", "ops:withdrawals", "ops:fission")


@pytest.fixture
def net() -> Net:
    return Net()


@pytest.fixture
def ops(net: Net) -> Client:
    c = Client()
    c.force_login(net.operator)
    return c


def test_pages_render_for_operators_and_refuse_others(net: Net, ops: Client):
    for name in PAGES:
        resp = ops.get(reverse(name))
        assert resp.status_code == 200, name
        assert "leader.css" in resp.content.decode()
    leader = net.leader()
    for user in (make_buyer(), leader.user):
        c = Client()
        c.force_login(user)
        for name in PAGES:
            assert c.get(reverse(name)).status_code == 403, name
    assert Client().get(reverse("ops:leaders")).status_code == 302


def test_approve_an_application_with_a_reason(net: Net, ops: Client):
    p = make_application(real_name="孙悟空")
    html = ops.get(reverse("ops:leaders")).content.decode()
    assert "孙**" in html and "孙悟空" not in html and p.phone_masked in html
    url = reverse("ops:leader_action", args=[p.pk, "approve"])
    resp = ops.post(url, {"reason": ""}, **HX)
    assert resp.status_code == 422 and 'data-code="reason_required"' in resp.content.decode()
    p.refresh_from_db()
    assert p.status == "pending"
    resp = ops.post(url, {"reason": "资料齐全"}, **HX)
    assert resp.status_code == 200 and 'data-status="approved"' in resp.content.decode()
    p.refresh_from_db()
    assert p.status == "approved" and p.user.has_role(roles.LEADER)
    assert AuditLog.objects.filter(action="leader.approve", actor=net.operator).exists()


@pytest.mark.parametrize(("start", "action", "end"), [
    ("pending", "reject", "rejected"), ("approved", "freeze", "frozen"),
    ("approved", "terminate", "terminated"), ("frozen", "unfreeze", "approved")])
def test_decisions(net: Net, ops: Client, start, action, end):
    if start == "pending":
        p = make_application()
    else:
        p = net.leader()
        if start == "frozen":
            applications.freeze(p.pk, net.operator, "调查")
    resp = ops.post(reverse("ops:leader_action", args=[p.pk, action]), {"reason": "原因"}, **HX)
    assert resp.status_code == 200
    p.refresh_from_db()
    assert p.status == end
    assert AuditLog.objects.filter(action=f"leader.{action}").exists()


def test_a_wrong_transition_is_refused_inline(net: Net, ops: Client):
    p = make_application()
    resp = ops.post(reverse("ops:leader_action", args=[p.pk, "freeze"]), {"reason": "x"}, **HX)
    assert resp.status_code == 409 and 'data-code="invalid_transition"' in resp.content.decode()
    assert LeaderProfile.objects.get(pk=p.pk).status == "pending"
    assert ops.post(reverse("ops:leader_action", args=[p.pk, "explode"]),
                    {"reason": "x"}).status_code == 404


def test_bindings_search_by_leader_code_and_by_buyer_phone(net: Net, ops: Client):
    a, b = net.leader(real_name="周团长"), net.leader(real_name="吴团长")
    phone = "13912345678"
    buyer = make_buyer(phone=phone)
    other = make_buyer()
    binding.touch(buyer=buyer, leader=a.user, channel="poster")
    binding.touch(buyer=other, leader=b.user, channel="link")
    html = ops.get(reverse("ops:bindings"), {"leader": a.invite_code}).content.decode()
    assert "周**" in html and "吴**" not in html and "poster" in html
    html = ops.post(reverse("ops:bindings"), {"phone": phone}).content.decode()
    assert "周**" in html and "吴**" not in html
    assert phone not in html and "139****5678" in html
    assert "first" in html  # the binding history
    bad = ops.post(reverse("ops:bindings"), {"phone": "123"}).content.decode()
    assert "11" in bad and 'data-testid="bindings"' not in bad


def test_settlement_run_now_is_audited_and_idempotent(net: Net, ops: Client):
    a = net.leader()
    order = net.sale(a)
    complete(order)
    html = ops.get(reverse("ops:settlement")).content.decode()
    assert 'data-testid="due-lines">1<' in html
    resp = ops.post(reverse("ops:settlement_run"))
    assert resp.status_code == 302
    assert CommissionLine.objects.get(order=order).state == "settled"
    ops.post(reverse("ops:settlement_run"))
    runs = list(SettlementRun.objects.order_by("started_at", "pk"))
    assert [r.lines_settled for r in runs] == [1, 0]
    assert AuditLog.objects.filter(action="commission.settle_run").count() == 2
    assert ops.get(reverse("ops:settlement_run")).status_code == 405


def _withdrawal(net: Net, leader: LeaderProfile, amount: str = "10.00") -> Withdrawal:
    complete(net.sale(leader))
    commission.settle_due()
    return commission.request_withdrawal(leader.user, amount)


def test_withdrawal_approve_and_payout(net: Net, ops: Client):
    a = net.leader()
    w = _withdrawal(net, a)
    html = ops.get(reverse("ops:withdrawals")).content.decode()
    assert f'id="wd-{w.pk}"' in html
    resp = ops.post(reverse("ops:withdrawal_action", args=[w.pk, "approve"]), **HX)
    assert resp.status_code == 200 and 'data-state="approved"' in resp.content.decode()
    ops.post(reverse("ops:payouts_run"))
    w.refresh_from_db()
    assert w.state == "paid"
    assert AuditLog.objects.filter(action="commission.withdrawal_approve").exists()


def test_reject_needs_a_reason(net: Net, ops: Client):
    w = _withdrawal(net, net.leader())
    url = reverse("ops:withdrawal_action", args=[w.pk, "reject"])
    resp = ops.post(url, {"reason": " "}, **HX)
    assert resp.status_code == 422 and 'data-code="reason_required"' in resp.content.decode()
    assert Withdrawal.objects.get(pk=w.pk).state == "requested"
    assert ops.post(url, {"reason": "账户信息不符"}, **HX).status_code == 200
    assert Withdrawal.objects.get(pk=w.pk).state == "rejected"


def test_an_operator_cannot_approve_their_own_withdrawal(net: Net):
    a = net.leader()
    roles.grant(a.user, roles.OPERATOR)  # a leader who is also an operator
    w = _withdrawal(net, a)
    c = Client()
    c.force_login(a.user)
    resp = c.post(reverse("ops:withdrawal_action", args=[w.pk, "approve"]), **HX)
    assert resp.status_code == 403 and 'data-code="own_withdrawal"' in resp.content.decode()
    assert Withdrawal.objects.get(pk=w.pk).state == "requested"
    other = make_operator()
    c.force_login(other)
    assert c.post(reverse("ops:withdrawal_action", args=[w.pk, "approve"]),
                  **HX).status_code == 200


def test_unknown_withdrawal_is_not_found(ops: Client):
    assert ops.post(reverse("ops:withdrawal_action", args=["nope", "approve"]),
                    **HX).status_code == 404


def test_fission_page_and_exports(net: Net, ops: Client):
    a = net.leader(real_name="郑团长")
    net.leader(inviter=a)
    net.visit(a, None, "poster")
    net.sale(a, channel="poster")
    html = ops.get(reverse("ops:fission")).content.decode()
    for testid in ("funnel-channel", "funnel-leader", "funnel-product", "k-factor",
                   "team-sizes", "depths"):
        assert f'data-testid="{testid}"' in html, testid
    for chart in ("channel-data", "k-data", "size-data"):
        assert f'data-chart="{chart}"' in html and f'id="{chart}"' in html, chart
    for kind in ("leader", "product", "channel", "k-factor", "team"):
        resp = ops.get(reverse("ops:fission_export", args=[kind]))
        assert resp.status_code == 200, kind
        assert resp["Content-Type"].startswith("text/csv")
        assert "attachment" in resp["Content-Disposition"]
    body = ops.get(reverse("ops:fission_export", args=["channel"])).content.decode()
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    poster = next(r for r in rows if r[1] == "poster")
    assert poster[4] == "1" and poster[6] == "1"
    assert ops.get(reverse("ops:fission_export", args=["nothing"])).status_code == 404
    assert AuditLog.objects.filter(action="analytics.export").count() == 6


def test_income_report_downloads_csv_and_xlsx(net: Net, ops: Client):
    from openpyxl import load_workbook

    from shequn.analytics.periods import local_today

    a = net.leader()
    _withdrawal(net, a)  # settles one line this quarter
    today = local_today()
    q = {"year": today.year, "quarter": (today.month - 1) // 3 + 1}
    resp = ops.get(reverse("ops:income_report"), {**q, "format": "csv"})
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    line = CommissionLine.objects.get(leader=a.user)
    mine = [r for r in rows[1:] if r[1] == str(a.user_id)]
    assert len(mine) == 1 and mine[0][5] == f"{line.amount:.2f}"
    resp = ops.get(reverse("ops:income_report"), {**q, "format": "xlsx"})
    assert resp.status_code == 200 and "spreadsheetml" in resp["Content-Type"]
    sheet = load_workbook(io.BytesIO(resp.content)).active
    assert sheet.max_row == len(rows)
    assert AuditLog.objects.filter(action="commission.income_report").count() == 2
    bad = ops.get(reverse("ops:income_report"), {"year": "x", "quarter": "9"})
    assert bad.status_code == 302
    assert ops.get(reverse("ops:income_report"), {**q, "format": "pdf"}).status_code == 404
    c = Client()
    c.force_login(a.user)
    assert c.get(reverse("ops:income_report"), {**q, "format": "csv"}).status_code == 403


def test_a_nul_in_a_decision_reason_is_dropped_not_a_500(net: Net, ops: Client):
    """Operators' reasons (leader decisions, withdrawal rejections) went to
    PostgreSQL text with a NUL in them: a server error after the checks passed."""
    profile = make_application()
    resp = ops.post(reverse("ops:leader_action", args=[profile.pk, "reject"]),
                    {"reason": "资料\x00不全\x07"}, **HX)
    assert resp.status_code == 200
    profile.refresh_from_db()
    assert profile.status == "rejected" and profile.decision_reason == "资料不全"
    w = _withdrawal(net, net.leader())
    resp = ops.post(reverse("ops:withdrawal_action", args=[w.pk, "reject"]),
                    {"reason": "账户\x00不符"}, **HX)
    assert resp.status_code == 200
    w.refresh_from_db()
    assert w.state == "rejected" and w.reason == "账户不符"
    resp = ops.post(reverse("ops:withdrawal_action", args=[w.pk, "reject"]),
                    {"reason": "\x00"}, **HX)
    assert resp.status_code in (409, 422)


def test_due_now_leaves_out_lines_waiting_on_an_open_return(net: Net, ops: Client):
    """Settlement skips a completed order with an open return request; the page
    counted its lines as due, so "Due now" said 1 and the run then settled 0."""
    from shequn.orders import returns

    order = net.sale(net.leader())
    complete(order)
    line = order.lines.first()
    returns.request_return(order.user, order.pk, [(line.pk, 1)], "不想要了")
    html = ops.get(reverse("ops:settlement")).content.decode()
    assert 'data-testid="pending-lines">1<' in html
    assert 'data-testid="due-lines">0<' in html
    ops.post(reverse("ops:settlement_run"))
    assert CommissionLine.objects.get(order=order).state == "pending"
