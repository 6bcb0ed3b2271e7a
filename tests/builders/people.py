"""People: users with roles, buyers, operators, leader applications and approved
leaders (through the distribution services, so each has a shop and a place in the
recruitment tree)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from shequn.accounts import roles
from shequn.accounts.models import User
from shequn.core import pii
from shequn.distribution import applications
from shequn.distribution.models import LeaderProfile, LeaderStatusChange
from shequn.shops.models import Shop
from tests.builders.ids import phone as new_phone

PASSWORD = "pw-2026-x"


class UserFactory(DjangoModelFactory):
    """A user; ``phone=...`` stores it the way sign-up does (encrypted, keyed hash,
    masked); ``password=None`` leaves the password unusable."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        phone = None

    username = factory.Sequence(lambda n: f"user{n}")
    phone_enc = factory.LazyAttribute(lambda o: pii.encrypt(o.phone) if o.phone else "")
    phone_hash = factory.LazyAttribute(lambda o: pii.lookup_hash(o.phone) if o.phone else "")
    phone_masked = factory.LazyAttribute(lambda o: pii.mask_phone(o.phone) if o.phone else "")

    @factory.post_generation
    def password(self, create: bool, value: str | None, **kwargs: Any) -> None:
        if value:
            self.set_password(value)
        else:
            self.set_unusable_password()
        if create:
            self.save(update_fields=["password"])


def make_user(username: str | None = None, *, role_names: tuple[str, ...] = (),
              password: str | None = PASSWORD, **fields: Any) -> User:
    """A signed-up user (password :data:`PASSWORD` unless given) with the given roles."""
    if username is not None:
        fields["username"] = username
    user = UserFactory(password=password, **fields)
    for role in role_names:
        roles.grant(user, role)
    return user


def make_buyer(**fields: Any) -> User:
    """A signed-up buyer: no role, a phone number of its own."""
    fields.setdefault("phone", new_phone())
    fields.setdefault("username", f"buyer-{fields['phone']}")
    return make_user(**fields)


def make_operator(username: str | None = None) -> User:
    roles.ensure_groups()
    return make_user(username, role_names=(roles.OPERATOR,))


def make_application(user: User | None = None, *, invite_code: str = "",
                     **fields: Any) -> LeaderProfile:
    """A pending leader application by ``user`` (a new member unless given)."""
    fields.setdefault("real_name", "王小明")
    fields.setdefault("phone", new_phone())
    fields.setdefault("region", "浙江省杭州市")
    fields.setdefault("reason", "分享好物")
    return applications.apply(user or make_user(), invite_code=invite_code, **fields)


def make_leader(inviter: LeaderProfile | None = None, operator: User | None = None,
                **fields: Any) -> LeaderProfile:
    """An approved leader (invited by ``inviter`` when given), with a shop."""
    code = (inviter.invite_code or "") if inviter is not None else ""
    profile = make_application(invite_code=code, **fields)
    return applications.approve(profile.pk, operator or make_operator(), "资料齐全")


def leader_and_shop(**fields: Any) -> tuple[User, Shop]:
    """An approved leader's user and shop (for tests that only need those)."""
    profile = make_leader(**fields)
    assert profile.shop is not None
    return profile.user, profile.shop


def set_approved_at(profile: LeaderProfile, at: dt.datetime) -> None:
    """Move a profile's approval into another month (cohort tests)."""
    LeaderStatusChange.objects.filter(profile=profile, to_status="approved").update(at=at)
