"""Alibaba Cloud RPC-style requests, signature version 1.0 (HMAC-SHA1).

Pure functions (no Django), shared by the SMS adapter (``aliyun_sms``) and the
fake server (``smsfake``) that checks them; specs/wechat-channel.md §5.1:

1. every parameter but ``Signature``, sorted by key, each key and value
   percent-encoded per RFC 3986 in UTF-8 (only ``A-Za-z0-9-_.~`` kept), joined
   ``k=v&…``: the canonicalized query string;
2. ``StringToSign = METHOD & pe("/") & pe(canonicalized query)``;
3. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import quote

ACTION = "SendSms"
VERSION = "2017-05-25"
SIGNATURE_METHOD = "HMAC-SHA1"
SIGNATURE_VERSION = "1.0"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def percent_encode(value: str) -> str:
    """RFC 3986: unreserved characters kept, everything else ``%XX`` (UTF-8, upper hex)."""
    return quote(value, safe="-_.~", encoding="utf-8")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}"
                    for k in sorted(params) if k != "Signature")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    digest = hmac.new((secret + "&").encode(), string_to_sign(method, params).encode(),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def timestamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)


def signed_query(access_key_id: str, secret: str, action_params: Mapping[str, str], *,
                 when: dt.datetime, region: str = "cn-hangzhou", method: str = "GET",
                 nonce: str | None = None) -> str:
    """The complete query string of one request, ``Signature`` last."""
    params = {
        "AccessKeyId": access_key_id, "Action": ACTION, "Format": "JSON",
        "RegionId": region, "SignatureMethod": SIGNATURE_METHOD,
        "SignatureNonce": nonce or secrets.token_hex(16),
        "SignatureVersion": SIGNATURE_VERSION, "Timestamp": timestamp(when),
        "Version": VERSION, **action_params,
    }
    sig = signature(secret, method, params)
    return canonicalized_query(params) + "&Signature=" + percent_encode(sig)
