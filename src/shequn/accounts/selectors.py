"""Reads about accounts."""

from __future__ import annotations

from shequn.accounts.models import User
from shequn.accounts.phones import normalize_phone
from shequn.accounts.roles import ROLES
from shequn.core import pii


def get_user_by_phone(phone: str) -> User | None:
    return User.objects.filter(phone_hash=pii.lookup_hash(normalize_phone(phone))).first()


def user_roles(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    if user.is_superuser:
        names.add("operator")
    return names


def users_with_role(role: str):
    return User.objects.filter(groups__name=role, is_active=True).order_by("id")
