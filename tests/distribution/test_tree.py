"""Invitations and the recruitment tree: codes, signed links, no self-invitation,
no loops, counters equal to the materialised-path truth."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection

from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.distribution import applications, codes, selectors
from shequn.distribution.models import LeaderProfile
from tests.builders import make_application, make_leader, make_operator

pytestmark = pytest.mark.django_db

Status = LeaderProfile.Status


def test_segments_are_fixed_width_and_ordered():
    assert codes.segment(1) == "0000001"
    assert codes.segment(36) == "0000010"
    ids = [1, 35, 36, 1295, 1296, 99999999, 36 ** 7 - 1]
    segs = [codes.segment(i) for i in ids]
    assert segs == sorted(segs) and {len(s) for s in segs} == {7}
    assert codes.path_ids("".join(segs)) == ids
    with pytest.raises(ValueError):
        codes.segment(0)


def test_an_invited_leader_hangs_below_the_inviter(operator):
    a = make_leader(operator=operator)
    b = make_leader(a, operator)
    c = make_leader(b, operator)
    for p in (a, b, c):
        p.refresh_from_db()
    assert (a.depth, b.depth, c.depth) == (0, 1, 2)
    assert b.inviter_id == a.pk and c.inviter_id == b.pk and a.inviter_id is None
    assert c.path == a.path + codes.segment(b.pk) + codes.segment(c.pk)
    assert [p.pk for p in selectors.ancestors(c)] == [a.pk, b.pk]
    assert selectors.in_subtree(a, c) and selectors.in_subtree(b, c)
    assert not selectors.in_subtree(c, a) and not selectors.in_subtree(b, a)
    assert (selectors.team_size(a), selectors.team_depth(a)) == (2, 2)
    assert (selectors.team_size(b), selectors.team_depth(b)) == (1, 1)
    assert (selectors.team_size(c), selectors.team_depth(c)) == (0, 0)


def test_forged_or_unknown_invite_codes_are_refused():
    leader = make_leader()
    assert leader.invite_code is not None
    forged = leader.invite_code[:-1] + ("X" if leader.invite_code[-1] != "X" else "Y")
    for code in (forged, "12345678", "ABC", "' OR 1=1 --", "0" * 8):
        with pytest.raises(DomainError) as exc:
            make_application(invite_code=code)
        assert exc.value.code == "invalid_invite_code"
    assert LeaderProfile.objects.count() == 1


def test_codes_are_case_insensitive():
    leader = make_leader()
    p = make_application(invite_code=f"  {leader.invite_code.lower()} ")
    assert p.invite_code_used == leader.invite_code


def test_a_frozen_leaders_code_does_not_recruit(operator):
    leader = make_leader(operator=operator)
    applications.freeze(leader.pk, operator, "暂停")
    with pytest.raises(DomainError) as exc:
        make_application(invite_code=leader.invite_code)
    assert exc.value.code == "invalid_invite_code"


def test_a_leader_cannot_invite_themself(operator):
    leader = make_leader(operator=operator)
    # The application form: a member entering their own code.
    LeaderProfile.objects.filter(pk=leader.pk).update(status=Status.REJECTED)
    with pytest.raises(DomainError) as exc:
        make_application(leader.user, invite_code=leader.invite_code)
    # A rejected profile's own code is no longer an approved leader's code.
    assert exc.value.code == "invalid_invite_code"
    # At approval: a (tampered) application naming the applicant's own code.
    LeaderProfile.objects.filter(pk=leader.pk).update(status=Status.PENDING, path="",
                                                      invite_code_used=leader.invite_code)
    with pytest.raises(DomainError) as exc:
        applications.approve(leader.pk, operator, "ok")
    assert exc.value.code == "self_invitation"


def test_self_invitation_at_application():
    leader = make_leader()
    with pytest.raises(DomainError) as exc:
        applications.apply(leader.user, real_name="李四", phone="13900000001", region="杭州",
                       invite_code=leader.invite_code)
    assert exc.value.code in ("self_invitation", "already_applied")


def test_a_loop_is_refused_and_nothing_changes(operator):
    a = make_leader(operator=operator)
    b = make_leader(a, operator)
    # Tamper: send A back to pending with B's code (B is below A).
    LeaderProfile.objects.filter(pk=a.pk).update(status=Status.PENDING,
                                                 invite_code_used=b.invite_code)
    before = list(LeaderProfile.objects.order_by("pk").values_list(
        "pk", "path", "depth", "team_size", "team_depth", "inviter_id"))
    with pytest.raises(DomainError) as exc:
        applications.approve(a.pk, operator, "ok")
    assert exc.value.code == "invitation_loop"
    after = list(LeaderProfile.objects.order_by("pk").values_list(
        "pk", "path", "depth", "team_size", "team_depth", "inviter_id"))
    assert before == after


def test_the_database_refuses_a_self_inviter():
    from django.db import IntegrityError, transaction

    leader = make_leader()
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaderProfile.objects.filter(pk=leader.pk).update(inviter_id=leader.pk)


def test_counters_match_the_path_truth_in_a_random_tree(operator):
    rng = random.Random(7)
    leaders = [make_leader(operator=operator)]
    for _ in range(25):
        inviter = rng.choice(leaders)
        inviter.refresh_from_db()
        leaders.append(make_leader(inviter, operator))
    for p in leaders:
        p.refresh_from_db()
        members = selectors.team_members(p)
        assert selectors.team_size(p) == members.count()
        deepest = max((m.depth for m in members), default=p.depth)
        assert selectors.team_depth(p) == deepest - p.depth
        direct = {m.pk for m in members if m.inviter_id == p.pk}
        assert {x.pk for x in selectors.direct_invitees(p, limit=200)} == direct
        assert selectors.direct_invitee_count(p) == len(direct)


def test_direct_invitees_page_in_id_order(operator):
    root = make_leader(operator=operator)
    kids = [make_leader(root, operator).pk for _ in range(5)]
    assert [p.pk for p in selectors.direct_invitees(root, limit=2)] == kids[:2]
    assert [p.pk for p in selectors.direct_invitees(root, limit=2, offset=2)] == kids[2:4]
    assert selectors.direct_invitees(root, limit=2, offset=10) == []


def test_signed_invite_links():
    leader = make_leader()
    path = selectors.invite_path(leader)
    token = path.removeprefix("/join/").removesuffix("/")
    age = 30 * 86400
    assert codes.read_invite_token(token, age) == leader.invite_code
    assert codes.read_invite_token(token[:-2] + "xx", age) is None
    assert codes.read_invite_token("not-a-token", age) is None
    # Signed with another salt (a share token, say): refused.
    from django.core import signing

    other = signing.dumps({"c": leader.invite_code, "iat": 0}, salt="shequn.share")
    assert codes.read_invite_token(other, age) is None
    clock.advance(dt.timedelta(days=31))
    assert codes.read_invite_token(token, age) is None


def test_an_inviter_frozen_after_the_application_still_becomes_the_inviter():
    # The relation is who invited whom; it is written once at approval.
    op = make_operator()
    inviter = make_leader(operator=op)
    p = make_application(invite_code=inviter.invite_code)
    applications.freeze(inviter.pk, op, "暂停")
    p = applications.approve(p.pk, op, "ok")
    assert p.inviter_id == inviter.pk


@pytest.mark.postgres
def test_team_members_is_an_index_prefix_scan_on_postgres(operator):
    root = make_leader(operator=operator)
    child = make_leader(root, operator)
    make_leader(child, operator)
    make_leader(operator=operator)  # another tree
    assert selectors.team_members(root).count() == 2
    qs = selectors.team_members(child)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("SET enable_seqscan = on")
    assert "dist_leader_path_prefix" in plan
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'dist_leader_path_prefix'")
        (indexdef,) = cur.fetchone()
    assert "varchar_pattern_ops" in indexdef


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_keep_the_counters_exact():
    import threading

    op = make_operator()
    root = make_leader(operator=op)
    mid = make_leader(root, op)
    apps = [make_application(invite_code=(root if i % 2 else mid).invite_code) for i in range(8)]
    barrier = threading.Barrier(len(apps))
    errors: list[Exception] = []

    def run(pk: int) -> None:
        try:
            barrier.wait()
            applications.approve(pk, op, "并发审核")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p.pk,)) for p in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    root.refresh_from_db()
    mid.refresh_from_db()
    assert root.team_size == selectors.team_members(root).count() == 9
    assert mid.team_size == selectors.team_members(mid).count() == 4
    assert (root.team_depth, mid.team_depth) == (2, 1)
