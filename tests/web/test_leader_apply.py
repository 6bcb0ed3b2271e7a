"""成为团长: the apply form for signed-in members (free, inline errors, status) and the
invite link landing (/join/<token>/) that prefills the inviter's code."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shequn.distribution import applications as distribution
from shequn.distribution import selectors
from shequn.distribution.models import LeaderProfile
from tests.builders import Net, make_buyer, make_leader, make_operator

pytestmark = pytest.mark.django_db

FORM = {"real_name": "林小雨", "phone": "13712345678", "region": "上海市",
        "reason": "喜欢分享", "invite_code": ""}


def member() -> Client:
    c = Client()
    c.force_login(make_buyer())
    return c


def test_anonymous_is_sent_to_sign_in():
    resp = Client().get(reverse("store:apply"))
    assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=/apply/")


def test_apply_then_status_shows_pending():
    c = member()
    html = c.get(reverse("store:apply")).content.decode()
    assert "免费" in html and "no fee" not in html and 'id="apply-form"' in html
    english = c.get(reverse("store:apply"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "no fee" in english and "免费" not in english
    resp = c.post(reverse("store:apply"), FORM)
    assert resp.status_code == 302
    profile = LeaderProfile.objects.get()
    assert profile.status == "pending" and profile.real_name_masked == "林**"
    html = c.get(reverse("store:apply")).content.decode()
    assert 'data-status="pending"' in html and 'id="apply-form"' not in html
    assert "林**" in html and "林小雨" not in html and "13712345678" not in html


@pytest.mark.parametrize(("field", "value", "code"), [
    ("real_name", "x", "invalid_real_name"), ("phone", "123", "invalid_phone"),
    ("region", "", "invalid_region"), ("invite_code", "ZZZZ2345", "invalid_invite_code")])
def test_errors_show_at_the_field_and_keep_what_was_typed(field, value, code):
    c = member()
    resp = c.post(reverse("store:apply"), {**FORM, field: value})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert f'data-code="{code}"' in html and "has-error" in html
    assert 'value="上海市"' in html or field == "region"
    assert not LeaderProfile.objects.exists()


def test_invite_link_prefills_the_code_and_places_the_invitee():
    op = make_operator()
    inviter = make_leader(operator=op)
    path = selectors.invite_path(inviter)
    assert path.startswith("/join/")
    c = member()
    resp = c.get(path)
    assert resp.status_code == 302 and resp["Location"] == reverse("store:apply")
    html = c.get(reverse("store:apply")).content.decode()
    assert f'value="{inviter.invite_code}"' in html
    c.post(reverse("store:apply"), {**FORM, "invite_code": inviter.invite_code})
    profile = LeaderProfile.objects.exclude(pk=inviter.pk).get()
    assert profile.invite_code_used == inviter.invite_code


def test_a_forged_invite_link_prefills_nothing():
    c = member()
    resp = c.get("/join/forged-token/", follow=True)
    html = resp.content.decode()
    assert "邀请链接无效" in html and 'name="invite_code" value=""' in html


def test_approved_member_sees_the_leader_console_link():
    net = Net()
    leader = net.leader()
    c = Client()
    c.force_login(leader.user)
    html = c.get(reverse("store:apply")).content.decode()
    assert 'data-status="approved"' in html and 'id="go-leader"' in html
    assert c.get("/leader/").status_code == 200


# ----------------------------------------------------------------- /leader/ before approval

@pytest.mark.parametrize("path", ["leader:home", "leader:products", "leader:team"])
def test_a_pending_applicant_opening_the_leader_centre_sees_the_review(path):
    c = member()
    assert c.post(reverse("store:apply"), FORM).status_code == 302
    resp = c.get(reverse(path))
    assert resp.status_code == 403  # still not theirs, but told why
    html = resp.content.decode()
    assert 'id="leader-not-yet" data-status="pending"' in html and "正在审核" in html
    assert reverse("store:apply") in html
    english = c.get(reverse(path), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "under review" in english


def test_a_rejected_applicant_is_told_and_pointed_to_apply_again():
    c = member()
    c.post(reverse("store:apply"), FORM)
    distribution.reject(LeaderProfile.objects.get().pk, make_operator(), "资料不全")
    html = c.get(reverse("leader:home")).content.decode()
    assert 'data-status="rejected"' in html and "未通过" in html


def test_someone_who_never_applied_gets_the_plain_refusal():
    resp = member().get(reverse("leader:home"))
    assert resp.status_code == 403
    assert "leader-not-yet" not in resp.content.decode()


@pytest.mark.parametrize(("field", "code"), [
    ("real_name", "invalid_real_name"), ("region", "invalid_region"),
    ("reason", "invalid_reason")])
def test_a_nul_or_control_character_in_the_form_is_refused_at_its_field(field, code):
    """A NUL reached PostgreSQL text in the region and the reason (a 500), and the
    name pattern let control characters through."""
    c = member()
    resp = c.post(reverse("store:apply"), {**FORM, field: FORM[field][:1] + "\x00好" + "\x07"})
    assert resp.status_code == 422
    assert f'data-code="{code}"' in resp.content.decode()
    assert not LeaderProfile.objects.exists()
