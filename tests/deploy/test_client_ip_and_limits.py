"""Client addresses from trusted proxies only; sign-in limits per account and
address (one attacker cannot lock out everybody behind the address); the
admin's sign-in throttled like /login/; limits shared through Redis."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.test import Client, RequestFactory

from shequn.accounts import services
from shequn.core import netaddr, ratelimit
from tests.builders import make_user

pytestmark = pytest.mark.django_db
rf = RequestFactory()


@pytest.fixture
def proxies(settings):
    settings.SHEQUN_TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]


def _req(peer: str, xff: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return rf.get("/", **extra)


def test_forwarded_for_is_ignored_from_an_untrusted_peer(proxies):
    assert netaddr.client_ip(_req("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_forwarded_for_is_believed_from_a_trusted_proxy(proxies):
    assert netaddr.client_ip(_req("10.1.2.3", "198.51.100.7")) == "198.51.100.7"


def test_the_client_cannot_prepend_a_forged_address(proxies):
    # The client sent "X-Forwarded-For: 1.1.1.1"; our proxy appended the real peer.
    assert netaddr.client_ip(_req("10.1.2.3", "1.1.1.1, 198.51.100.7")) == "198.51.100.7"
    # Several of our own proxies in a row are skipped.
    assert netaddr.client_ip(_req("10.1.2.3", "198.51.100.7, 10.9.9.9")) == "198.51.100.7"


def test_garbage_in_the_header_falls_back_to_the_peer(proxies):
    assert netaddr.client_ip(_req("10.1.2.3", "not-an-ip")) == "10.1.2.3"
    assert netaddr.client_ip(_req("garbage")) is None


def test_no_trusted_proxies_means_the_peer(settings):
    settings.SHEQUN_TRUSTED_PROXIES = []
    assert netaddr.client_ip(_req("127.0.0.1", "8.8.8.8")) == "127.0.0.1"


def test_https_claim_only_from_a_trusted_proxy(settings, proxies):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    r = Client(REMOTE_ADDR="203.0.113.9").get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 301 and r["Location"].startswith("https://")
    r = Client(REMOTE_ADDR="127.0.0.1").get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 200


def _fail(client: Client, username: str, ip: str, url: str = "/login/") -> int:
    data = {"username": username, "password": "wrong"}
    if url == "/login/":
        data["mode"] = "password"
    return client.post(url, data, REMOTE_ADDR=ip).status_code


def test_failures_lock_the_account_and_address_pair_only(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LOGIN_MAX_FAILURES_PER_HOUR": 3}
    make_user("alice", password="alice-password-1")
    make_user("bob", password="bob-password-1")
    c = Client()
    for _ in range(3):
        assert _fail(c, "alice", "198.51.100.1") == 422
    assert _fail(c, "alice", "198.51.100.1") == 429
    # The same address may still sign in to another account…
    r = c.post("/login/", {"mode": "password", "username": "bob",
                           "password": "bob-password-1"}, REMOTE_ADDR="198.51.100.1")
    assert r.status_code == 302
    # …and alice from her own address is not locked out by the attacker.
    r = Client().post("/login/", {"mode": "password", "username": "alice",
                                  "password": "alice-password-1"}, REMOTE_ADDR="192.0.2.50")
    assert r.status_code == 302


def test_an_address_spraying_many_accounts_is_stopped(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LOGIN_MAX_FAILURES_PER_IP_PER_HOUR": 4}
    c = Client()
    codes = [_fail(c, f"user{i}", "198.51.100.2") for i in range(6)]
    assert codes[:4] == [422] * 4 and codes[4:] == [429, 429]


def test_admin_login_is_throttled_like_login(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LOGIN_MAX_FAILURES_PER_HOUR": 3}
    make_user("root", password="root-password-1", is_staff=True, is_superuser=True)
    c = Client()
    for _ in range(3):
        assert _fail(c, "root", "198.51.100.3", "/admin/login/") == 200  # form again
    assert _fail(c, "root", "198.51.100.3", "/admin/login/") == 429
    # Refused even with the right password while locked: guessing gains nothing.
    r = c.post("/admin/login/", {"username": "root", "password": "root-password-1"},
               REMOTE_ADDR="198.51.100.3")
    assert r.status_code == 429
    r = Client().post("/admin/login/?next=/admin/",
                      {"username": "root", "password": "root-password-1"},
                      REMOTE_ADDR="192.0.2.60")
    assert r.status_code == 302


def test_failures_at_admin_and_login_count_together(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LOGIN_MAX_FAILURES_PER_HOUR": 2}
    c = Client()
    _fail(c, "carol", "198.51.100.4", "/admin/login/")
    _fail(c, "carol", "198.51.100.4")
    assert services.login_blocked("carol", "198.51.100.4")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), 1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_limits_are_shared_through_redis(settings):
    """Two cache clients (two processes in production) count one window."""
    from django.core.cache import caches

    prefix = "t" + uuid.uuid4().hex[:8]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/9", "KEY_PREFIX": prefix}}
    key = "shared:" + prefix
    assert ratelimit.hit(key, 2, 60) and ratelimit.hit(key, 2, 60)
    # A fresh connection, as another web process would have.
    caches._settings = None  # type: ignore[attr-defined]
    del caches["default"]
    assert not ratelimit.hit(key, 2, 60)
    assert ratelimit.count(key, 60) == 3
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/9")
    keys = client.keys(f"{prefix}:*")
    assert keys and all(b"rl:" in k for k in keys)
    # Every window expires (window + 60 s), set once by the first hit.
    assert all(0 < client.ttl(k) <= 120 for k in keys)
    # Redis forgets its scripts when it restarts (it keeps nothing on disk
    # here): the next hit loads the counting script again and still counts.
    client.script_flush()
    assert not ratelimit.hit(key, 2, 60)
    assert ratelimit.count(key, 60) == 4
    assert all(0 < client.ttl(k) <= 120 for k in client.keys(f"{prefix}:*"))
    client.delete(*keys)
