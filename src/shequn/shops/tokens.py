"""Signed share tokens for shop and listing links, posters and codes.

The token is a django.core.signing payload (HMAC with SECRET_KEY, salt
"shequn.share"); it holds ids only, never personal data. Age is checked
against ``shequn.core.clock`` so tests can move time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing

from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.shops.errors import ShopError
from shequn.shops.models import Listing, Shop

SALT = "shequn.share"
CHANNELS = ("link", "poster", "code")
# Allow small clock differences between hosts for the "issued in the future" check.
_SKEW_SECONDS = 300


@dataclass(frozen=True)
class SharePayload:
    shop_id: int
    listing_id: int | None
    leader_id: int
    issued_at: dt.datetime
    channel: str
    shop: Shop | None = field(default=None, compare=False, repr=False)
    listing: Listing | None = field(default=None, compare=False, repr=False)


def _invalid(reason: str) -> DomainError:
    return ShopError.INVALID_SHARE_TOKEN.error(reason=reason)


def make_share_token(shop: Shop, listing: Listing | None = None, channel: str = "link") -> str:
    if channel not in CHANNELS:
        raise ShopError.INVALID_CHANNEL.error(channel=channel)
    if listing is not None and listing.shop_id != shop.pk:
        raise ShopError.LISTING_NOT_FOUND.error()
    payload = {"s": shop.pk, "l": listing.pk if listing is not None else None,
               "u": shop.owner_id, "iat": int(clock.now().timestamp()), "c": channel}
    return signing.dumps(payload, salt=SALT, compress=True)


def _decode(token: str) -> dict:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise _invalid("bad_signature") from None
    except Exception:  # undecodable after a valid signature cannot happen; be safe
        raise _invalid("malformed") from None
    if not isinstance(data, dict):
        raise _invalid("malformed")
    return data


def read_share_token(token: str, max_age_days: int | None = None) -> SharePayload:
    """Verify ``token``; raise ``invalid_share_token`` (detail ``reason``) when it is
    tampered, expired, for an inactive shop or a leader who no longer owns it."""
    if max_age_days is None:
        max_age_days = int(settings.SHEQUN["SHARE_TOKEN_MAX_AGE_DAYS"])
    if not isinstance(token, str) or not token or len(token) > 500:
        raise _invalid("malformed")
    data = _decode(token)
    try:
        shop_id = int(data["s"])
        leader_id = int(data["u"])
        listing_id = None if data.get("l") is None else int(data["l"])
        iat = int(data["iat"])
        channel = str(data.get("c", "link"))
    except (KeyError, TypeError, ValueError):
        raise _invalid("malformed") from None
    if channel not in CHANNELS:
        raise _invalid("malformed")
    age = clock.now().timestamp() - iat
    if age > max_age_days * 86400:
        raise _invalid("expired")
    if age < -_SKEW_SECONDS:
        raise _invalid("issued_in_future")
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None or not shop.active:
        raise _invalid("shop_inactive")
    if shop.owner_id != leader_id:
        raise _invalid("not_owner")
    listing = None
    if listing_id is not None:
        listing = Listing.objects.filter(pk=listing_id, shop=shop).first()
        if listing is None:
            raise _invalid("listing_mismatch")
    return SharePayload(shop_id=shop_id, listing_id=listing_id, leader_id=leader_id,
                        issued_at=dt.datetime.fromtimestamp(iat, tz=dt.UTC), channel=channel,
                        shop=shop, listing=listing)
