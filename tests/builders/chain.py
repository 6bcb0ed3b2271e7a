"""Authorization grants and chain covers for tests (brands.grants / brands.chain).

``make_grant`` writes a grant row directly in the state asked for (the services
are tested on their own); ``authorize`` gives a product an active brand → seller
grant and rewrites its covers, which is what the product builders do unless
told ``chain=False``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from shequn.brands import chain
from shequn.brands.models import Grant
from shequn.catalog.models import Organization, Product

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALWAYS = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))


def make_grant(grantor: Organization, grantee: Organization, brand: Organization | None = None,
               *, status: str = Grant.Status.ACTIVE, valid_from: dt.date = ALWAYS[0],
               valid_to: dt.date = ALWAYS[1], scope: str = Grant.Scope.ALL,
               categories: Iterable[Any] = (), skus: Iterable[Any] = (),
               rebuild: bool = True, **fields: Any) -> Grant:
    brand = brand or grantor
    grant = Grant.objects.create(brand=brand, grantor=grantor, grantee=grantee, status=status,
                                 valid_from=valid_from, valid_to=valid_to, scope=scope,
                                 **fields)
    if categories:
        grant.categories.set(list(categories))
    if skus:
        grant.skus.set(list(skus))
    if rebuild:
        chain.rebuild_brand(brand.pk)
    return grant


def authorize(product: Product) -> Grant | None:
    """An active, open-ended brand → seller grant for the product (one per pair)
    and the product's covers."""
    grant = None
    if product.brand_id != product.seller_id:
        grant = Grant.objects.filter(brand_id=product.brand_id, grantor_id=product.brand_id,
                                     grantee_id=product.seller_id, status=Grant.Status.ACTIVE,
                                     scope=Grant.Scope.ALL).first()
        if grant is None:
            grant = make_grant(product.brand, product.seller, rebuild=False)
    chain.recompute_for_products([product.pk])
    return grant


def brand_admin(org: Organization, role: str = "brand_admin", **fields: Any) -> Any:
    """A person with the brand admin (or staff) role and a membership of ``org``."""
    from shequn.accounts import roles
    from shequn.brands.models import Membership
    from tests.builders.people import make_user

    roles.ensure_groups()
    user = make_user(role_names=(role,), **fields)
    Membership.objects.create(organization=org, user=user, role=role)
    return user
