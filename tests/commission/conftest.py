"""Fixtures for the commission tests: an operator, a leader with a shop, a
buyable SKU and a default plan; orders are placed and paid through the real
checkout and payment services (tests/web/order_helpers.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from shequn.accounts import roles
from shequn.accounts.models import User
from shequn.commission import services
from shequn.commission.models import CommissionPlan
from shequn.commission.payout import SimulatedPayout
from shequn.core import clock, outbox
from shequn.orders.models import Order
from shequn.shops.models import Shop
from tests.buying import make_buyable
from tests.web.order_helpers import make_buyer, place_paid_order


@pytest.fixture(autouse=True)
def _payout_sim():
    SimulatedPayout.reset()
    yield
    SimulatedPayout.reset()


@pytest.fixture
def operator(db) -> User:
    user = User.objects.create_user(username="op1", password="op-pass-2026")
    roles.grant(user, roles.OPERATOR)
    return user


@pytest.fixture
def operator2(db) -> User:
    user = User.objects.create_user(username="op2", password="op-pass-2026")
    roles.grant(user, roles.OPERATOR)
    return user


_n = iter(range(1, 10_000))


def make_leader(name: str | None = None) -> tuple[User, Shop]:
    """An approved leader (application and approval, so commission may be paid
    to a known person) with a shop."""
    from shequn.distribution import applications

    n = next(_n)
    user = User.objects.create_user(username=name or f"leader{n}", password="leader-pass-2026")
    shop = Shop.objects.create(owner=user, slug=f"shop-{user.username}", name=f"团长小店{n}")
    approver, _ = User.objects.get_or_create(username="leader-approver")
    roles.grant(approver, roles.OPERATOR)
    profile = applications.apply(user, real_name="王小明", phone=f"137{n:08d}", region="杭州")
    applications.approve(profile.pk, approver, "ok")
    return user, shop


@pytest.fixture
def leader(db) -> tuple[User, Shop]:
    return make_leader()


@pytest.fixture
def default_plan(operator) -> CommissionPlan:
    return services.create_plan(operator, scope="default", kind="rate", rate="0.10")


@pytest.fixture
def sku(db) -> Any:
    return make_buyable(price="298.00", stock=500)


def paid_order(shop: Shop | None, sku: Any, qty: int = 1, buyer: User | None = None) -> Order:
    """A paid order attributed to ``shop``'s owner, with its events drained."""
    order = place_paid_order(buyer or make_buyer(), sku, qty=qty, shop=shop)
    assert order.state == Order.State.PAID
    outbox.drain()
    return order


def complete(order: Order, days_ago: int = 8) -> None:
    """What the orders app's completion job does after the after-sales window."""
    Order.objects.filter(pk=order.pk).update(
        state=Order.State.COMPLETED, delivered_at=clock.now() - dt.timedelta(days=days_ago),
        completed_at=clock.now())


def money(value: str) -> Decimal:
    return Decimal(value)
