"""Fixtures for the network tests (builders are in tests/builders)."""

from __future__ import annotations

import pytest

from shequn.accounts.models import User
from tests.builders import make_operator


@pytest.fixture
def operator() -> User:
    return make_operator()
