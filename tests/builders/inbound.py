"""Inbound builders: brand organizations with their SKUs, warehouse and brand
staff (memberships), ASNs made by the logistics service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequn.accounts import roles
from shequn.brands.models import Membership
from shequn.catalog.models import SKU, Organization
from shequn.core import clock
from shequn.inventory.models import Warehouse
from shequn.logistics import inbound
from shequn.logistics.models import ASN
from tests.builders.catalog import make_org, make_product, make_sku, make_warehouse
from tests.builders.people import make_user


def brand_sku(brand: Organization, **fields: Any) -> SKU:
    return make_sku(product=make_product(brand=brand), **fields)


def staff(org: Organization, role: str = roles.WAREHOUSE_STAFF, **fields: Any) -> Any:
    roles.ensure_groups()
    user = make_user(role_names=(role,), **fields)
    Membership.objects.create(organization=org, user=user, role=role)
    return user


def operated_warehouse(**fields: Any) -> tuple[Organization, Warehouse]:
    operator = make_org(Organization.Kind.WAREHOUSE)
    return operator, make_warehouse(operator=operator, **fields)


def soon(days: int = 3) -> dt.date:
    return clock.today() + dt.timedelta(days=days)


def make_asn(owner: Organization, warehouse: Warehouse, lines: list[tuple[SKU, str, int]],
             *, expiry: dt.date | None = dt.date(2030, 1, 1), actor: Any = None,
             **kw: Any) -> ASN:
    return inbound.create_asn(actor, owner, warehouse_id=warehouse.pk,
                              expected_date=kw.pop("expected_date", soon()),
                              lines=[inbound.LineIn(sku=s.code, lot=lot, qty=q, expiry=expiry)
                                     for s, lot, q in lines], **kw)
