"""Builders for the network tests: members, operators, applications, leaders."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from shequn.accounts import roles
from shequn.accounts.models import User
from shequn.distribution import applications
from shequn.distribution.models import LeaderProfile

_seq = itertools.count(1)


def make_member(name: str = "member") -> User:
    n = next(_seq)
    return User.objects.create_user(f"{name}{n}", password="pw-2026-x")


def make_operator() -> User:
    roles.ensure_groups()
    user = make_member("ops")
    roles.grant(user, roles.OPERATOR)
    return user


def submit(user: User | None = None, *, invite_code: str = "", **kw: Any) -> LeaderProfile:
    n = next(_seq)
    fields = {"real_name": "李小龙", "phone": f"139{n:08d}", "region": "浙江省杭州市",
              "reason": "想分享进口好物"}
    fields.update(kw)
    return applications.apply(user or make_member(), invite_code=invite_code, **fields)


def make_leader(inviter: LeaderProfile | None = None, operator: User | None = None
                ) -> LeaderProfile:
    profile = submit(invite_code=inviter.invite_code or "" if inviter else "")
    return applications.approve(profile.pk, operator or make_operator(), "资料齐全")


@pytest.fixture
def operator() -> User:
    return make_operator()
