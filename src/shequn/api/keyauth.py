"""Partner API authentication by organization API key (brands.apikeys).

``Authorization: Bearer shq_…`` or ``X-Api-Key: shq_…``. The operation gets
``request.auth`` = the ApiKey row; ``partner_org(request)`` is its organization
(None = the platform's key, which sees everything). Every answer is bounded by it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from shequn.brands import apikeys
from shequn.brands.models import ApiKey
from shequn.catalog.models import Organization


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-Api-Key"

    def __init__(self, scope: str | None) -> None:
        # ``None``: any active key (e.g. "who am I"), whatever its scopes.
        self.scope = scope
        super().__init__()

    def _get_key(self, request: HttpRequest) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        return request.headers.get(self.param_name)

    def __call__(self, request: HttpRequest) -> Any:
        key = self._get_key(request)
        if not key:
            return None  # ninja answers 401
        return self.authenticate(request, key)

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        # A bad or revoked key, or a missing scope, raises a DomainError (401/403
        # with its code), so the caller learns why.
        return apikeys.verify(key or "", self.scope)


def partner_org(request: HttpRequest) -> Organization | None:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return key.organization
