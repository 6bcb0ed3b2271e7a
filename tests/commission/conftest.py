"""Fixtures for the commission tests: an operator, a leader with a shop, a
buyable SKU and a default plan (builders are in tests/builders)."""

from __future__ import annotations

from typing import Any

import pytest

from shequn.accounts import roles
from shequn.accounts.models import User
from shequn.commission import services
from shequn.commission.models import CommissionPlan
from shequn.commission.payout import SimulatedPayout
from shequn.shops.models import Shop
from tests.builders import leader_and_shop, make_buyable


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


@pytest.fixture
def leader(db) -> tuple[User, Shop]:
    return leader_and_shop()


@pytest.fixture
def default_plan(operator) -> CommissionPlan:
    return services.create_plan(operator, scope="default", kind="rate", rate="0.10")


@pytest.fixture
def sku(db) -> Any:
    return make_buyable(price="298.00", stock=500)
