"""Sign-in with WeChat (decision 0009): the buyer account behind a WeChat
identity, and binding a phone to it once.

A WeChat sign-in finds the account by (AppID, openid), else by unionid (the
same person through another Official Account), else creates a buyer account
without a phone. Placing an order needs a verified phone (``phone_required``);
:func:`bind_phone` verifies the SMS code and either gives the phone to this
account or, when the phone already has an account, moves the WeChat identity
to that account (the caller's ``on_merge`` moves the cart in the same
transaction) so one person never has two accounts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from shequn.accounts import services
from shequn.accounts.errors import AccountError
from shequn.accounts.models import User, WeChatAccount
from shequn.accounts.wechat import OAuthToken, UserInfo, WeChatError, mask_openid
from shequn.core import clock, pii
from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _

log = logging.getLogger(__name__)

# The key the WeChat Pay adapter reads for the JSAPI payer's openid.
SESSION_OPENID = "wechat_openid"


class PhoneError(CodedError):
    PHONE_REQUIRED = ("phone_required",
                      _("Bind your mobile number before placing an order"), 403)


def needs_phone(user: Any) -> bool:
    """A buyer signed in with WeChat who has no verified phone yet cannot order.
    (Accounts made by the phone sign-in always have one; staff accounts made by
    an operator are left as they are.)"""
    if not getattr(user, "is_authenticated", False) or user.phone_hash:
        return False
    return WeChatAccount.objects.filter(user=user).exists()


def require_phone(user: Any) -> None:
    if needs_phone(user):
        raise PhoneError.PHONE_REQUIRED.error()


def _username(appid: str, openid: str) -> str:
    return "wx_" + hashlib.sha256(f"{appid}:{openid}".encode()).hexdigest()[:20]


def sign_in_account(appid: str, token: OAuthToken, info: UserInfo | None = None,
                    current: Any = None) -> User:
    """The account for this WeChat identity, created on first sign-in.
    Idempotent: the same openid always returns the same account.

    ``current``: the account already signed in on this browser (a phone
    sign-in going through WeChat for the JSAPI payer's openid, or for its
    profile). A WeChat identity seen for the first time is linked to it when it
    has a verified phone, rather than made into a second account of the same
    person (decision 0009); an identity that has an account keeps it."""
    if token.is_snapshotuser:
        # A snapshot page's virtual openid: never bind an account to it (spec §1.2).
        raise WeChatError.SNAPSHOT_USER.error()
    unionid = (info.unionid if info and info.unionid else token.unionid) or ""
    now = clock.now()
    with transaction.atomic():
        account = (WeChatAccount.objects.select_for_update().select_related("user")
                   .filter(appid=appid, openid=token.openid).first())
        if account is None:
            owner = current if (getattr(current, "is_authenticated", False)
                                and current.is_active and current.phone_hash) else None
            account = _create(appid, token.openid, unionid, info, now, owner)
        else:
            fields = ["last_sign_in_at"]
            account.last_sign_in_at = now
            if unionid and account.unionid != unionid:
                account.unionid = unionid
                fields.append("unionid")
            if info is not None:
                _apply_profile(account, info, fields)
            account.save(update_fields=fields)
    user = account.user
    if not user.is_active:
        raise AccountError.BAD_CREDENTIALS.error()
    log.info("wechat sign-in openid %s user %s", mask_openid(token.openid), user.pk)
    return user


def _apply_profile(account: WeChatAccount, info: UserInfo, fields: list[str]) -> None:
    if info.nickname and info.nickname != account.nickname:
        account.nickname = info.nickname
        fields.append("nickname")
    if info.headimgurl and info.headimgurl != account.avatar_url:
        account.avatar_url = info.headimgurl
        fields.append("avatar_url")
    if info.nickname and not account.user.display_name:
        account.user.display_name = info.nickname[:60]
        account.user.save(update_fields=["display_name"])


def _create(appid: str, openid: str, unionid: str, info: UserInfo | None,
            now: Any, owner: User | None = None) -> WeChatAccount:
    user = owner
    if user is None and unionid:  # the same person signed in through another of our AppIDs
        sibling = (WeChatAccount.objects.select_related("user")
                   .filter(unionid=unionid, user__is_active=True).first())
        user = sibling.user if sibling else None
    if user is None:
        user, _created = User.objects.get_or_create(
            username=_username(appid, openid),
            defaults={"display_name": (info.nickname if info else "")[:60]})
        if _created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    try:
        with transaction.atomic():
            account = WeChatAccount.objects.create(
                user=user, appid=appid, openid=openid, unionid=unionid,
                nickname=(info.nickname if info else "")[:60],
                avatar_url=(info.headimgurl if info else "")[:500],
                created_at=now, last_sign_in_at=now)
    except IntegrityError:  # a parallel first sign-in created it
        account = WeChatAccount.objects.select_related("user").get(appid=appid, openid=openid)
    return account


def update_profile(user: User, appid: str, info: UserInfo) -> WeChatAccount | None:
    """Store the nickname and avatar from ``sns/userinfo`` ("use WeChat profile")."""
    with transaction.atomic():
        account = (WeChatAccount.objects.select_for_update().select_related("user")
                   .filter(user=user, appid=appid, openid=info.openid).first())
        if account is None:
            return None
        fields = ["last_sign_in_at"]
        account.last_sign_in_at = clock.now()
        if info.unionid and account.unionid != info.unionid:
            account.unionid = info.unionid
            fields.append("unionid")
        _apply_profile(account, info, fields)
        account.save(update_fields=fields)
    return account


MergeHook = Callable[[User, User], Any]


def bind_phone(user: User, phone: str, code: str, ip: str | None = None,
               on_merge: MergeHook | None = None) -> User:
    """Verify the SMS ``code`` for ``phone`` and bind the phone to ``user``, once.
    If another account already has this phone, the WeChat identities of ``user``
    move to that account, ``on_merge(user, that_account)`` runs in the same
    transaction (the cart moves) and ``user`` is retired; the account to sign in
    is returned."""
    if not needs_phone(user):
        return user
    phone, phone_hash = services.consume_code(phone, code, ip)
    with transaction.atomic():
        owner = User.objects.select_for_update().filter(phone_hash=phone_hash).first()
        if owner is None or owner.pk == user.pk:
            locked = User.objects.select_for_update().get(pk=user.pk)
            if locked.phone_hash:  # a parallel bind won
                return locked
            locked.phone_enc = pii.encrypt(phone)
            locked.phone_hash = phone_hash
            locked.phone_masked = pii.mask_phone(phone)
            try:
                with transaction.atomic():
                    locked.save(update_fields=["phone_enc", "phone_hash", "phone_masked"])
            except IntegrityError:  # the phone signed up in parallel: merge instead
                owner = User.objects.get(phone_hash=phone_hash)
            else:
                log.info("phone %s bound to user %s", pii.mask_phone(phone), user.pk)
                return locked
        moved = WeChatAccount.objects.filter(user=user).update(user=owner)
        if on_merge is not None:
            on_merge(user, owner)
        User.objects.filter(pk=user.pk).update(is_active=False)
        if not owner.display_name and user.display_name:
            owner.display_name = user.display_name
            owner.save(update_fields=["display_name"])
    log.info("wechat identity (%s) linked to the account of %s", moved, pii.mask_phone(phone))
    return owner
