"""The leaders API: apply, /me, invite-code binding, and operator decisions.
A leader never reads another leader's profile."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.distribution.models import CustomerBinding, LeaderProfile
from tests.builders import make_application, make_buyer, make_leader, make_operator, make_user

pytestmark = pytest.mark.django_db

BASE = "/api/v1/leaders"


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def _post(c: Client, url: str, body: dict):
    return c.post(url, data=body, content_type="application/json")


def test_apply_and_read_me():
    inviter = make_leader()
    user = make_user()
    c = _client(user)
    assert c.get(f"{BASE}/me").json()["code"] == "application_not_found"
    resp = _post(c, f"{BASE}/apply", {"real_name": "赵六", "phone": "13912340000",
                                      "region": "杭州", "reason": "分享",
                                      "invite_code": inviter.invite_code})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "pending" and body["phone"] == "139****0000"
    assert body["name"] == "赵*" and body["invite_code"] is None
    assert "13912340000" not in resp.content.decode()
    me = c.get(f"{BASE}/me").json()
    assert me["status"] == "pending" and me["team_size"] == 0


def test_apply_errors_have_code_and_messages():
    c = _client(make_user())
    resp = _post(c, f"{BASE}/apply", {"real_name": "赵六", "phone": "123", "region": "杭州"})
    assert resp.status_code == 422
    assert set(resp.json()) >= {"code", "message", "message_en"}
    assert resp.json()["code"] == "invalid_phone"
    resp = _post(c, f"{BASE}/apply", {"real_name": "赵六", "phone": "13912340000",
                                      "region": "杭州", "invite_code": "FORGED99"})
    assert resp.json()["code"] == "invalid_invite_code"
    assert LeaderProfile.objects.count() == 0


def test_anonymous_is_refused():
    assert _client().get(f"{BASE}/me").status_code == 401
    assert _post(_client(), f"{BASE}/apply", {"real_name": "赵六", "phone": "13912340000",
                                              "region": "杭州"}).status_code == 401


def test_me_shows_code_link_and_direct_invitees():
    op = make_operator()
    root = make_leader(operator=op)
    kids = [make_leader(root, op) for _ in range(3)]
    make_leader(kids[0], op)
    me = _client(root.user).get(f"{BASE}/me?limit=2").json()
    assert me["status"] == "approved" and me["invite_code"] == root.invite_code
    assert me["invite_link"].startswith("/join/")
    assert me["team_size"] == 4 and me["team_depth"] == 2
    assert me["direct_invitee_count"] == 3
    assert [p["id"] for p in me["direct_invitees"]] == [k.pk for k in kids[:2]]
    assert me["shop_slug"] == root.shop.slug


def test_operator_queue_and_decisions():
    op = make_operator()
    p = make_application()
    c = _client(op)
    queue = c.get(f"{BASE}/applications").json()
    assert [a["id"] for a in queue] == [p.pk]
    assert queue[0]["phone"].count("*") == 4
    resp = _post(c, f"{BASE}/{p.pk}/approve", {"reason": "资料齐全"})
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    assert _post(c, f"{BASE}/{p.pk}/freeze", {"reason": "违规"}).json()["status"] == "frozen"
    assert _post(c, f"{BASE}/{p.pk}/unfreeze", {"reason": "整改"}).json()["status"] == "approved"
    resp = _post(c, f"{BASE}/{p.pk}/terminate", {"reason": ""})
    assert resp.status_code == 422 and resp.json()["code"] == "reason_required"
    assert _post(c, f"{BASE}/{p.pk}/terminate",
                 {"reason": "解约"}).json()["status"] == "terminated"
    resp = _post(c, f"{BASE}/{p.pk}/approve", {"reason": "x"})
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_transition"


def test_a_leader_cannot_decide_or_read_another_leader():
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    p = make_application()
    c = _client(a.user)
    assert c.get(f"{BASE}/applications").status_code == 403
    resp = c.get(f"{BASE}/{b.pk}")
    assert resp.status_code == 403 and resp.json()["code"] == "not_operator"
    assert b.phone_masked not in resp.content.decode()
    resp = _post(c, f"{BASE}/{p.pk}/approve", {"reason": "我批"})
    assert resp.status_code == 403
    resp = _post(c, f"{BASE}/{b.pk}/freeze", {"reason": "竞争"})
    assert resp.status_code == 403
    b.refresh_from_db()
    p.refresh_from_db()
    assert b.status == "approved" and p.status == "pending"
    # The operator can read it.
    assert _client(op).get(f"{BASE}/{b.pk}").json()["id"] == b.pk


def test_bind_by_invite_code():
    leader = make_leader()
    buyer = make_buyer()
    c = _client(buyer)
    resp = _post(c, f"{BASE}/bind", {"code": "WRONG234"})
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_invite_code"
    resp = _post(c, f"{BASE}/bind", {"code": leader.invite_code})
    assert resp.status_code == 200 and resp.json()["result"] == "bound"
    assert resp.json()["channel"] == "code"
    assert CustomerBinding.objects.get(buyer=buyer).leader_id == leader.pk
    resp = _post(_client(leader.user), f"{BASE}/bind", {"code": leader.invite_code})
    assert resp.status_code == 422 and resp.json()["code"] == "self_binding"
