"""Builders for the outbound flow: warehouse staff, a released order, the
carrier simulator's pushes."""

from __future__ import annotations

from typing import Any

from shequn.accounts import roles
from shequn.brands.models import Membership
from shequn.catalog.models import Organization
from shequn.core import outbox
from shequn.customs import services as customs
from shequn.logistics import outbound
from shequn.orders.models import Order
from tests.builders.catalog import make_org
from tests.builders.people import make_user


def make_warehouse_operator(name: str | None = None) -> Organization:
    return make_org(Organization.Kind.WAREHOUSE, name=name)


def make_warehouse_staff(org: Organization, username: str | None = None) -> Any:
    user = make_user(username)
    roles.grant(user, roles.WAREHOUSE_STAFF)
    Membership.objects.create(organization=org, user=user, role=roles.WAREHOUSE_STAFF)
    return user


def run_all(rounds: int = 15) -> None:
    """The background: outbox, the customs simulator and the carrier simulator's
    due pushes."""
    for _ in range(rounds):
        if not (outbox.drain() + customs.pump_embedded() + outbound.pump_embedded()):
            return


def released(order: Order) -> Order:
    """Declared with the carrier's waybill and released by the customs simulator."""
    run_all()
    order.refresh_from_db()
    assert order.cleared_at is not None, "customs did not release the order"
    return order
