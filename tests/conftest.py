"""Shared fixtures. The suite runs on PostgreSQL when DATABASE_URL points at it
(``make test``) and on SQLite otherwise; tests marked ``postgres`` skip on
SQLite with a clear reason."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from shequn.core import clock


def _rabbitmq_answers() -> bool:
    import os
    import socket
    from urllib.parse import urlparse

    url = urlparse(os.environ.get("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"))
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 5672), 1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL; `make test` does)")
    needs_broker = any("rabbitmq" in item.keywords for item in items)
    broker = needs_broker and _rabbitmq_answers()
    # `make test` runs the PostgreSQL pass with SHEQUN_TEST_REQUIRE_SERVICES=1: there a
    # service that does not answer fails the run instead of skipping what needs it.
    import os

    if os.environ.get("SHEQUN_TEST_REQUIRE_SERVICES") == "1":
        if not postgres:
            raise pytest.UsageError("SHEQUN_TEST_REQUIRE_SERVICES=1 but DATABASE_URL "
                                    "is not PostgreSQL")
        if needs_broker and not broker:
            raise pytest.UsageError("SHEQUN_TEST_REQUIRE_SERVICES=1 but RabbitMQ does "
                                    "not answer on BROKER_URL")
    skip_mq = pytest.mark.skip(reason="needs RabbitMQ on BROKER_URL (`make test` starts it)")
    for item in items:
        if "postgres" in item.keywords and not postgres:
            item.add_marker(skip_pg)
        if "rabbitmq" in item.keywords and not broker:
            item.add_marker(skip_mq)


@pytest.fixture(autouse=True, scope="session")
def _application_records_reach_caplog():
    """The ``shequn`` loggers do not propagate (settings.LOGGING: the root logger
    has gunicorn's handler in a server); pytest's caplog listens on the root."""
    logging.getLogger("shequn").propagate = True


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _fresh_customs_simulator():
    # The embedded single window keeps its state (its own per-ID quota) in the
    # database, which each test starts empty: each test starts a new one.
    from shequn.customs import gateway

    gateway.reset_embedded()
    yield


@pytest.fixture(autouse=True)
def _fresh_wechatpay_customs_simulator():
    # The WeChat Pay customs-declaration simulator keeps its state in memory.
    from shequn.customs.wxdeclare import sim

    sim.reset()
    yield
    sim.reset()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from shequn.core import localcache, ratelimit

    cache.clear()
    localcache.clear_all()
    ratelimit.forget_held()
    yield


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Real hashing costs ~0.3 s per password; tests need correctness, not cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
