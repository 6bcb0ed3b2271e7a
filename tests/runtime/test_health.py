"""/healthz and /readyz: shape, status codes, demo skips, failures of each
dependency, and the cached broker answer."""

from __future__ import annotations

import socket
import time

import pytest
from django.db import OperationalError

from shequn.web.runtime import health

pytestmark = pytest.mark.django_db


def _demo_without_services(settings, monkeypatch):
    settings.SHEQUN_ENV = "demo"
    settings.REDIS_URL = ""
    settings.BROKER_URL = ""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("BROKER_URL", raising=False)


def _assert_shape(body, names):
    assert set(body) == {"status", "checks"}
    assert body["status"] in ("ok", "fail")
    assert set(body["checks"]) == set(names)
    for check in body["checks"].values():
        assert isinstance(check["ok"], bool)
        assert isinstance(check["ms"], float)
        assert check["ms"] >= 0


def test_healthz_is_up_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"status": "ok", "checks": {}}


def test_healthz_answers_while_the_database_is_away(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(health, "_select_one", broken)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_readyz_in_demo_checks_the_database_and_skips_embedded_services(
        client, settings, monkeypatch):
    _demo_without_services(settings, monkeypatch)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    _assert_shape(body, {"database", "broker", "redis"})
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "skipped" not in body["checks"]["database"]
    assert body["checks"]["broker"] == {"ok": True, "ms": 0.0, "skipped": "embedded"}
    assert body["checks"]["redis"] == {"ok": True, "ms": 0.0, "skipped": "embedded"}


def test_outside_demo_missing_services_are_checked_not_skipped(client, settings, monkeypatch):
    _demo_without_services(settings, monkeypatch)
    settings.SHEQUN_ENV = "staging"
    calls = []
    monkeypatch.setattr(health, "_connect_broker", lambda url: calls.append(url))
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert "skipped" not in body["checks"]["redis"]  # the configured cache answered a set/get
    assert "skipped" not in body["checks"]["broker"]
    assert calls and calls[0].startswith("amqp://")  # the worker's default broker


def test_readyz_database_failure_is_503_with_the_shape(client, settings, monkeypatch):
    _demo_without_services(settings, monkeypatch)

    def broken():
        raise OperationalError('connection to server at "db.internal" failed')

    monkeypatch.setattr(health, "_select_one", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    _assert_shape(body, {"database", "broker", "redis"})
    assert body["status"] == "fail"
    database = body["checks"]["database"]
    assert database["ok"] is False
    # The class only: internal host names are not shown to anybody who asks.
    assert database["error"] == "OperationalError"
    assert "db.internal" not in response.content.decode()
    assert body["checks"]["broker"]["ok"] is True


def test_failure_details_are_shown_to_the_monitoring_system(client, settings, monkeypatch,
                                                            metrics_token):
    _demo_without_services(settings, monkeypatch)

    def broken():
        raise OperationalError('connection to server at "db.internal" failed')

    monkeypatch.setattr(health, "_select_one", broken)
    body = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {metrics_token}").json()
    assert body["checks"]["database"]["error"].startswith("OperationalError: ")
    assert "db.internal" in body["checks"]["database"]["error"]


class _BrokenCache:
    def set(self, *args, **kwargs):
        raise ConnectionError("redis refused")

    def get(self, *args, **kwargs):
        raise ConnectionError("redis refused")


class _ForgetfulCache:
    def set(self, *args, **kwargs):
        pass

    def get(self, *args, **kwargs):
        return None


@pytest.mark.parametrize(("cache", "error"), [(_BrokenCache(), "ConnectionError"),
                                              (_ForgetfulCache(), "RuntimeError")])
def test_readyz_redis_failure(client, settings, monkeypatch, cache, error):
    _demo_without_services(settings, monkeypatch)
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # configured: it must answer
    monkeypatch.setattr(health, "cache", cache)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"] == error
    assert body["checks"]["database"]["ok"] is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readyz_broker_down_fails_fast(client, settings, monkeypatch):
    _demo_without_services(settings, monkeypatch)
    settings.BROKER_URL = f"amqp://guest:guest@127.0.0.1:{_free_port()}//"  # nobody listens
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < health.BROKER_TIMEOUT_SECONDS + 1.5
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False
    assert broker["error"]


def test_broker_answer_is_kept_for_a_couple_of_seconds(client, settings, monkeypatch):
    _demo_without_services(settings, monkeypatch)
    settings.BROKER_URL = "amqp://guest:guest@broker.invalid:5672//"
    calls = []
    monkeypatch.setattr(health, "_connect_broker", lambda url: calls.append(url))
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert len(calls) == 1
    clock[0] += health.BROKER_CACHE_SECONDS + 0.1
    assert client.get("/readyz").status_code == 200
    assert len(calls) == 2


@pytest.mark.rabbitmq
def test_real_broker_answers(settings, monkeypatch):
    import os

    settings.BROKER_URL = os.environ.get("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    check = health.check_broker()
    assert check.ok, check.error


def test_real_redis_answers(settings):
    import os

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.SHEQUN_ENV = "staging"
    settings.REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": url}}
    check = health.check_redis()
    assert check.ok, check.error
    assert check.skipped == ""
