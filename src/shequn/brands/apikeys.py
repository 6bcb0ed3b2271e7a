"""Organization API keys for the partner API.

A key looks like ``shq_<prefix>_<secret>``; only SHA-256 of the whole key is
stored, the prefix finds the row. A key with no organization is the platform's
and sees every organization's objects."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction

from shequn.brands.errors import BrandError
from shequn.brands.models import ApiKey
from shequn.catalog.models import Organization
from shequn.core import audit, clock
from shequn.core.httpinput import without_controls

# "epcis" captures and queries; "epcis_read" only queries (a key for a
# dashboard or an auditor, which must not be able to write a brand's journey).
SCOPES = ("catalog", "stock", "asn", "sales", "grants", "epcis", "epcis_read")
_PREFIX = "shq"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_key(organization: Organization | None, scopes: list[str], *, name: str = "",
               actor: Any = None) -> tuple[ApiKey, str]:
    """A new key: returns the row and the key itself, shown only this once."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise BrandError.UNKNOWN_SCOPE.error(scope=",".join(unknown) or "-")
    prefix = secrets.token_hex(6)
    key = f"{_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    # Without control characters: PostgreSQL text cannot hold a NUL (it was a 500).
    name = without_controls(name or "").strip()[:60]
    row = ApiKey.objects.create(organization=organization, name=name, prefix=prefix,
                                key_hash=_hash(key), scopes=sorted(set(scopes)),
                                created_by=actor if getattr(actor, "pk", None) else None)
    audit.record(actor, "apikey.create", row, organization=getattr(organization, "pk", None),
                 scopes=row.scopes)
    return row, key


def verify(key: str, scope: str | tuple[str, ...] | None) -> ApiKey:
    """The active key ``key`` with ``scope`` (one of them, for a tuple; any scope
    when None); BAD_API_KEY or SCOPE_MISSING otherwise."""
    parts = (key or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX:
        raise BrandError.BAD_API_KEY.error()
    row = (ApiKey.objects.select_related("organization")
           .filter(prefix=parts[1], revoked_at__isnull=True).first())
    if row is None or not hmac.compare_digest(row.key_hash, _hash(key.strip())):
        raise BrandError.BAD_API_KEY.error()
    wanted = (scope,) if isinstance(scope, str) else scope
    if wanted is not None and not set(wanted) & set(row.scopes):
        raise BrandError.SCOPE_MISSING.error(scope=wanted[0])
    now = clock.now()
    # A write per call would make every API read a write; once a minute is enough.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


@transaction.atomic
def revoke(row: ApiKey, actor: Any = None) -> bool:
    if row.revoked_at is not None:
        return False
    ApiKey.objects.filter(pk=row.pk).update(revoked_at=clock.now())
    audit.record(actor, "apikey.revoke", row)
    return True
