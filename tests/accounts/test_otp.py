from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import connection

from shequn.accounts import phones, services
from shequn.accounts.models import OneTimeCode, User
from shequn.accounts.sms import SimulatedSms
from shequn.core import clock, pii
from shequn.core.errors import DomainError
from tests.builders import phone

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


def align_to_hour() -> None:
    """Move the test clock to just after the start of the next hour, so a
    fixed-window rate-limit test never straddles two windows."""
    now = clock.now()
    start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1, seconds=1)
    clock.advance(start - now)


def _send(p: str, ip: str | None = IP) -> str:
    services.request_code(p, ip)
    code = SimulatedSms.last_code(p)
    assert code is not None and len(code) == 6
    return code


def _raises(code: str, fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as ei:
        fn(*args, **kw)
    assert ei.value.code == code, ei.value
    return ei.value


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_happy_path_creates_user_then_signs_in_same_user():
    p = phone(1)
    user = services.verify_code(p, _send(p), IP)
    h = pii.lookup_hash(p)
    assert user.username == "p_" + h[:16]
    assert user.phone_hash == h
    assert user.phone_masked == "139****0001"
    assert pii.decrypt(user.phone_enc) == p
    assert not user.has_usable_password()

    clock.advance(dt.timedelta(seconds=61))
    again = services.verify_code("+86 " + p, _send("+86" + p), IP)
    assert again.pk == user.pk
    assert User.objects.filter(phone_hash=h).count() == 1


def test_leading_plus86_and_separators_are_normalised():
    assert phones.normalize_phone("+86 139-0000-0002") == "13900000002"
    assert phones.normalize_phone("8613900000002") == "13900000002"
    assert phones.normalize_phone("0086 13900000002") == "13900000002"


@pytest.mark.parametrize("bad", ["", "12345", "12900000000", "1390000000", "139000000001",
                                 "abcdefghijk", "+1 13900000000", "23900000000"])
def test_invalid_phone_refused_and_nothing_stored(bad):
    err = _raises("invalid_phone", services.request_code, bad, IP)
    assert err.status == 422
    assert OneTimeCode.objects.count() == 0


def test_wrong_code_counts_attempts_then_code_is_dead():
    p = phone(3)
    code = _send(p)
    for i in range(1, 6):
        _raises("code_invalid", services.verify_code, p, _wrong(code), IP)
        assert OneTimeCode.objects.get().attempts == i
    # The right code no longer works after the maximum number of attempts.
    err = _raises("too_many_attempts", services.verify_code, p, code, IP)
    assert err.status == 429
    assert not User.objects.filter(phone_hash=pii.lookup_hash(p)).exists()


def test_code_expires():
    p = phone(4)
    code = _send(p)
    clock.advance(dt.timedelta(seconds=301))
    _raises("code_expired", services.verify_code, p, code, IP)


def test_code_cannot_be_used_twice():
    p = phone(5)
    code = _send(p)
    services.verify_code(p, code, IP)
    _raises("code_invalid", services.verify_code, p, code, IP)


def test_new_code_supersedes_the_old_one(monkeypatch):
    values = iter([111111, 222222])
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: next(values))
    p = phone(6)
    assert _send(p) == "111111"
    clock.advance(dt.timedelta(seconds=61))
    assert _send(p) == "222222"
    _raises("code_invalid", services.verify_code, p, "111111", IP)
    assert services.verify_code(p, "222222", IP).phone_hash == pii.lookup_hash(p)


def test_code_for_another_phone_does_not_work():
    a, b = phone(7), phone(8)
    code_a = _send(a)
    _send(b)
    if SimulatedSms.last_code(b) != code_a:
        _raises("code_invalid", services.verify_code, b, code_a, IP)
    _raises("code_invalid", services.verify_code, phone(9), code_a, IP)  # never requested


def test_min_interval_per_phone():
    p = phone(10)
    _send(p)
    err = _raises("rate_limited", services.request_code, p, IP)
    assert err.status == 429
    clock.advance(dt.timedelta(seconds=30))
    _raises("rate_limited", services.request_code, p, "198.51.100.1")  # other IP: same phone
    clock.advance(dt.timedelta(seconds=31))
    _send(p)
    assert OneTimeCode.objects.count() == 2


def test_hourly_limit_per_phone():
    align_to_hour()
    p = phone(11)
    for _ in range(5):
        _send(p)
        clock.advance(dt.timedelta(seconds=61))
    _raises("rate_limited", services.request_code, p, IP)
    assert OneTimeCode.objects.count() == 5
    clock.advance(dt.timedelta(hours=1))
    _send(p)


def test_limit_per_ip(settings):
    settings.SHEQUN = {**settings.SHEQUN, "OTP_MAX_PER_IP_PER_HOUR": 3}
    align_to_hour()
    for i in range(3):
        _send(phone(100 + i))
    _raises("rate_limited", services.request_code, phone(200), IP)
    _send(phone(201), "198.51.100.2")  # another address is not affected


def test_limit_per_ip_counts_an_ipv6_network_as_one_sender(settings):
    # One phone or home holds a whole /64 and may send from any address in it:
    # counted per address, the limit was no limit for IPv6 (SMS bombing).
    settings.SHEQUN = {**settings.SHEQUN, "OTP_MAX_PER_IP_PER_HOUR": 3}
    align_to_hour()
    for i in range(3):
        _send(phone(110 + i), f"2001:db8:1:2::{i + 1:x}")
    _raises("rate_limited", services.request_code, phone(210), "2001:db8:1:2:ffff::9")
    _send(phone(211), "2001:db8:1:3::1")  # another network is not affected


def test_password_failures_count_an_ipv6_network_as_one_sender(settings):
    settings.SHEQUN = {**settings.SHEQUN, "LOGIN_MAX_FAILURES_PER_HOUR": 2}
    align_to_hour()
    services.login_failed("carol", "2001:db8:7:7::1")
    services.login_failed("carol", "2001:db8:7:7::2")
    assert services.login_blocked("carol", "2001:db8:7:7:abcd::3")
    assert not services.login_blocked("carol", "2001:db8:7:8::1")


def test_code_stored_only_as_hash_and_phone_not_in_clear():
    p = phone(12)
    code = _send(p)
    services.verify_code(p, code, IP)
    otp = OneTimeCode.objects.get()
    assert len(otp.code_hash) == 64 and code not in otp.code_hash
    with connection.cursor() as cur:
        cur.execute("SELECT phone_hash, code_hash, ip FROM accounts_onetimecode")
        rows = cur.fetchall()
        cur.execute("SELECT * FROM accounts_user")
        users = cur.fetchall()
    assert rows and all(code not in str(v) and p not in str(v) for row in rows for v in row)
    assert users and all(p not in str(v) for row in users for v in row)


def test_phone_never_logged_in_clear(caplog):
    p = phone(13)
    with caplog.at_level(logging.INFO, logger="shequn"):
        code = _send(p)
        with pytest.raises(DomainError):
            services.verify_code(p, _wrong(code), IP)
        services.verify_code(p, code, IP)
    assert caplog.records, "expected log lines"
    assert p not in caplog.text
    assert pii.mask_phone(p) in caplog.text


def test_invalid_ip_is_ignored_not_stored():
    p = phone(14)
    services.request_code(p, "not-an-ip")
    assert OneTimeCode.objects.get().ip is None


def test_fullwidth_digits_are_the_same_phone_and_other_digits_refused():
    # "\d" matched any Unicode digit: "13９…" was another phone (another account,
    # another rate-limit window for the same handset) and "١٣٩…" a valid one.
    assert phones.normalize_phone("１３９０００００００２") == "13900000002"
    assert phones.normalize_phone("+86 13９0000-0002") == "13900000002"
    for bad in ("13\u0669\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0662",
                "139\u0966\u0966\u0966\u0966\u0966\u0966\u0966\u0968"):
        _raises("invalid_phone", phones.normalize_phone, bad)


@pytest.mark.parametrize("bad", ["138٠٠١٣٨٠٠٠", "139०००००००२"])  # full-width: normalized
def test_phone_in_other_digits_refused(bad):
    # The pattern's \d matched any script's digits: the number was kept in them
    # (its own lookup hash: a second account for the same phone; and in the
    # identity's and address's phone sent to customs and the carrier).
    with pytest.raises(DomainError) as info:
        phones.normalize_phone(bad)
    assert info.value.code == "invalid_phone"
    _raises("invalid_phone", services.request_code, bad, IP)
    assert OneTimeCode.objects.count() == 0
