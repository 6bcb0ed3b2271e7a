"""Brand organizations with their people and API keys (the brand console, the
ops organizations page, the partner API): through brands.people / brands.apikeys."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.test import Client

from shequn.accounts.models import User
from shequn.brands import apikeys, people
from shequn.brands.models import ApiKey, Membership
from shequn.catalog.models import SKU, Organization
from tests.builders.catalog import make_org, make_product, make_sku, make_stock, make_warehouse
from tests.builders.ids import phone as new_phone
from tests.builders.people import make_operator, make_user

_codes = itertools.count(1)


@dataclass
class Brand:
    org: Organization
    admin: User
    staff: User
    keys: dict[str, str] = field(default_factory=dict)  # scope → key

    def client(self, user: User | None = None) -> Client:
        c = Client()
        c.force_login(user or self.admin)
        return c

    def key(self, *scopes: str) -> str:
        wanted = ",".join(sorted(scopes))
        if wanted not in self.keys:
            self.keys[wanted] = apikeys.create_key(self.org, list(scopes))[1]
        return self.keys[wanted]


def operator() -> User:
    found = User.objects.filter(groups__name="operator", username__startswith="console-ops")
    return found.first() or make_operator(f"console-ops{next(_codes)}")


def member(org: Organization, role: str, user: User | None = None, **fields: Any) -> User:
    """An account (with a phone) made a member of ``org`` with ``role``."""
    user = user or make_user(phone=new_phone(), **fields)
    people.add_member(operator(), org, user, role)
    return user


def make_brand(name: str = "", kind: str = Organization.Kind.BRAND) -> Brand:
    n = next(_codes)
    org = make_org(kind, name or f"品牌{n}", code=f"brand-{n}")
    return Brand(org=org, admin=member(org, Membership.Role.ADMIN, display_name=f"管理员{n}"),
                 staff=member(org, Membership.Role.STAFF, display_name=f"员工{n}"))


def make_warehouse_operator() -> tuple[Organization, User]:
    n = next(_codes)
    org = make_org(Organization.Kind.WAREHOUSE, f"仓储{n}", code=f"wh-{n}")
    return org, member(org, Membership.Role.WAREHOUSE)


def brand_sku(brand: Organization, *, stock: int = 50, price: str = "100.00",
              seller: Organization | None = None, **stock_kw: Any) -> SKU:
    """A buyable SKU of ``brand``'s product with ``stock`` units in a new bonded warehouse."""
    sku = make_sku(product=make_product(brand=brand, seller=seller), price=Decimal(price))
    if stock:
        make_stock(make_warehouse(), sku, stock, **stock_kw)
    return sku


def key_for(org: Organization | None, *scopes: str) -> tuple[ApiKey, str]:
    return apikeys.create_key(org, list(scopes))
