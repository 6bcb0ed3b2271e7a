"""Sign-in by phone + one-time code (OTP).

Only a keyed hash of each code is stored; phones are stored encrypted with a
lookup hash (ARCHITECTURE §4.7) and only ever logged masked. Rate limits are
``shequn.core.ratelimit`` windows in the cache, shared by every process through
Redis outside demo. Windows are keyed by ``shequn.core.clock`` so tests can
move time forward.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from shequn.accounts import sms
from shequn.accounts.errors import AccountError, SmsError
from shequn.accounts.models import OneTimeCode, User
from shequn.accounts.phones import normalize_phone
from shequn.core import clock, netaddr, pii, ratelimit
from shequn.core.errors import DomainError

log = logging.getLogger(__name__)



def _cfg(name: str) -> int:
    return int(settings.SHEQUN[name])


def _code_hash(phone_hash: str, code: str) -> str:
    # Bound to the phone so one code hash says nothing about another phone's code.
    msg = f"{phone_hash}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), msg, hashlib.sha256).hexdigest()


def _clean_ip(ip: str | None) -> str | None:
    return netaddr.parse_ip(ip)


def _interval_ok(key: str, interval: int) -> bool:
    """At most one send per ``interval`` seconds. ``add`` is the atomic gate;
    the stored time lets a moved test clock (or a slow cache expiry) pass."""
    now_ts = clock.now().timestamp()
    if cache.add(key, now_ts, interval):
        return True
    last = cache.get(key)
    if last is not None and now_ts - float(last) < interval:
        return False
    cache.set(key, now_ts, interval)
    return True


def _check_rate_limits(phone_hash: str, ip: str | None) -> None:
    sender = netaddr.sender(ip)
    if sender and not ratelimit.hit(f"otp:ip:{sender}", _cfg("OTP_MAX_PER_IP_PER_HOUR"), 3600):
        log.warning("otp rate limited: ip")
        raise AccountError.RATE_LIMITED.error(scope="ip")
    if not _interval_ok(f"otp:iv:{phone_hash}", _cfg("OTP_MIN_INTERVAL_SECONDS")):
        raise AccountError.RATE_LIMITED.error(scope="interval")
    if not ratelimit.hit(f"otp:ph:{phone_hash}", _cfg("OTP_MAX_PER_PHONE_PER_HOUR"), 3600):
        log.warning("otp rate limited: phone hourly")
        raise AccountError.RATE_LIMITED.error(scope="phone")


def request_code(phone: str, ip: str | None) -> str:
    """Send a 6-digit sign-in code to ``phone`` (rate-limited per phone and IP).

    Answers ``sms.SENT``, or ``sms.DELAYED`` when the provider did not answer in
    time (the message may still arrive; it is not sent again). The message goes
    out before the code is stored: a provider refusal (an ``SmsError``) changes
    nothing, and the code sent before stays the one that signs in."""
    phone = normalize_phone(phone)
    phone_hash = pii.lookup_hash(phone)
    ip = _clean_ip(ip)
    _check_rate_limits(phone_hash, ip)

    code = f"{secrets.randbelow(10**6):06d}"
    minutes = max(1, _cfg("OTP_TTL_SECONDS") // 60)
    ref = "otp" + secrets.token_hex(8)  # the provider's OutId (de-duplication)
    try:
        status = sms.send_code(sms.get_sender(), phone, code, minutes, ref=ref)
    except DomainError as err:
        if err.code == SmsError.BUSY:
            # Nothing went out: the buyer may ask again without waiting the interval.
            cache.delete(f"otp:iv:{phone_hash}")
        raise
    now = clock.now()
    with transaction.atomic():
        # A new code supersedes older unused ones: only the newest may sign in.
        OneTimeCode.objects.filter(phone_hash=phone_hash, used_at__isnull=True).update(
            attempts=_cfg("OTP_MAX_ATTEMPTS"))
        OneTimeCode.objects.create(
            phone_hash=phone_hash, code_hash=_code_hash(phone_hash, code), created_at=now,
            expires_at=now + dt.timedelta(seconds=_cfg("OTP_TTL_SECONDS")), ip=ip)
    log.info("otp %s to %s (ref %s)", status, pii.mask_phone(phone), ref)
    return status


def verify_code(phone: str, code: str, ip: str | None = None) -> User:
    """Check ``code`` against the newest code sent to ``phone``; return the user
    (created on first sign-in). Each call uses up one attempt of the code."""
    phone, phone_hash = consume_code(phone, code, ip)
    user = _get_or_create_user(phone, phone_hash)
    log.info("signed in %s", pii.mask_phone(phone))
    return user


def consume_code(phone: str, code: str, ip: str | None = None) -> tuple[str, str]:
    """Check ``code`` against the newest code sent to ``phone`` and use it up;
    return the normalized phone and its lookup hash. Each call uses up one
    attempt of the code.

    Not one big transaction on purpose: a wrong guess must stay counted even
    though an error is raised afterwards."""
    phone = normalize_phone(phone)
    phone_hash = pii.lookup_hash(phone)
    code = (code or "").strip()
    otp = OneTimeCode.objects.filter(phone_hash=phone_hash).order_by("-created_at", "-id").first()
    if otp is None or otp.used_at is not None:
        raise AccountError.CODE_INVALID.error()
    now = clock.now()
    if otp.expires_at <= now:
        raise AccountError.CODE_EXPIRED.error()
    max_attempts = _cfg("OTP_MAX_ATTEMPTS")
    # Take one attempt atomically, so parallel guesses cannot exceed the limit.
    taken = OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True,
                                       attempts__lt=max_attempts).update(attempts=F("attempts") + 1)
    if not taken:
        raise AccountError.TOO_MANY_ATTEMPTS.error()
    if not (len(code) == 6 and code.isdigit()
            and hmac.compare_digest(otp.code_hash, _code_hash(phone_hash, code))):
        log.info("otp wrong code for %s", pii.mask_phone(phone))
        raise AccountError.CODE_INVALID.error(remaining=max(0, max_attempts - otp.attempts - 1))
    used = OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now)
    if not used:  # a parallel request signed in with the same code first
        raise AccountError.CODE_INVALID.error()
    return phone, phone_hash


def _get_or_create_user(phone: str, phone_hash: str) -> User:
    user = User.objects.filter(phone_hash=phone_hash).first()
    if user is not None:
        return user
    user = User(username="p_" + phone_hash[:16], phone_enc=pii.encrypt(phone),
                phone_hash=phone_hash, phone_masked=pii.mask_phone(phone))
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created by a parallel first sign-in
        return User.objects.get(phone_hash=phone_hash)
    return user


# Session keys that survive sign-in. django.contrib.auth.login() keeps session
# data when it only cycles the key, but flushes everything when another user was
# signed in on this session; the cart must survive both.
_KEPT_SESSION_KEYS = ("cart_id", "wechat_openid")
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sign_in(request: Any, user: User) -> None:
    """Log ``user`` into ``request``'s session, keeping the anonymous cart."""
    from django.contrib.auth import login

    kept = {k: request.session.get(k) for k in _KEPT_SESSION_KEYS}
    login(request, user, backend=_BACKEND)
    for k, v in kept.items():
        if v is not None:
            request.session[k] = v


def _login_limits(username: str, ip: str | None) -> list[tuple[str, int]]:
    """Failure counters for a password sign-in: the (account, address) pair is
    the tight one, so an attacker behind a shared address locks out only the
    accounts they guess at from there; per account and per address are loose
    backstops against guessing from many addresses and spraying many accounts."""
    acct = ratelimit.key_part(username)
    conf = settings.SHEQUN
    limits = [(f"login:acct:{acct}", int(conf.get("LOGIN_MAX_FAILURES_PER_ACCOUNT_PER_HOUR", 50)))]
    ip = netaddr.sender(ip)  # an IPv6 address's /64 counts as one sender
    if ip:
        limits += [(f"login:pair:{acct}:{ip}", int(conf.get("LOGIN_MAX_FAILURES_PER_HOUR", 10))),
                   (f"login:ip:{ip}", int(conf.get("LOGIN_MAX_FAILURES_PER_IP_PER_HOUR", 200)))]
    return limits


def login_blocked(username: str, ip: str | None) -> bool:
    """True while a password sign-in for ``username`` from ``ip`` is refused."""
    username = (username or "").strip()[:150]
    return any(ratelimit.exceeded(k, n, 3600) for k, n in _login_limits(username, _clean_ip(ip)))


def login_failed(username: str, ip: str | None) -> None:
    """Count one failed password sign-in."""
    username = (username or "").strip()[:150]
    for key, limit in _login_limits(username, _clean_ip(ip)):
        ratelimit.hit(key, limit, 3600)
    log.info("password sign-in failed")


def password_sign_in(request: Any, username: str, password: str, ip: str | None) -> User:
    """Staff sign-in with username + password (Django's authenticate), rate-limited
    per account and address so passwords cannot be guessed in bulk."""
    from django.contrib.auth import authenticate

    username = (username or "").strip()[:150]
    if login_blocked(username, ip):
        raise AccountError.RATE_LIMITED.error(scope="login")
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        login_failed(username, ip)
        raise AccountError.BAD_CREDENTIALS.error()
    sign_in(request, user)
    return user


def sign_out(request: Any) -> None:
    from django.contrib.auth import logout

    logout(request)
