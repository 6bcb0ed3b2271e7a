"""Users for tests of accounts, shops and identities."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from stdnum.cn import ric

from shequn.accounts import roles
from shequn.accounts.models import User
from shequn.core import clock

_seq = itertools.count(1)


def make_user(username: str | None = None, *, role_names: tuple[str, ...] = (),
              password: str | None = None, **fields: Any) -> User:
    user = User(username=username or f"user{next(_seq)}", **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    for r in role_names:
        roles.grant(user, r)
    return user


def make_leader(**kw: Any) -> User:
    return make_user(role_names=(roles.LEADER,), **kw)


def make_operator(**kw: Any) -> User:
    return make_user(role_names=(roles.OPERATOR,), **kw)


def phone(n: int) -> str:
    """A distinct well-formed mainland mobile number."""
    return f"139{n:08d}"


def resident_id(region: str = "110101", born: str = "19900307", seq: str = "123") -> str:
    """A resident ID with a correct check digit (synthetic, never a real person)."""
    body = region + born + seq
    return body + ric.calc_check_digit(body + "0")


def align_to_hour() -> None:
    """Move the test clock to just after the start of the next hour, so a
    fixed-window rate-limit test never straddles two windows."""
    now = clock.now()
    start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1, seconds=1)
    clock.advance(start - now)
