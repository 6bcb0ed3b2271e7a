"""Partner API: authorization grants (scope ``grants``).

A key sees the grants its organization gave, received or that are of its
brand (the platform's key sees all); another organization's grant is a 404.
A new grant is given in the key organization's name (the platform's key names
the grantor), with the authorization document as base64 in JSON or as a
multipart upload; it waits for an operator's review like one made in the
brand console."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from shequn.api.errors import ApiError
from shequn.api.keyauth import ApiKeyAuth, partner_org
from shequn.api.parser import storable
from shequn.api.schemas import Error, Id
from shequn.brands import grants
from shequn.brands.errors import BrandError
from shequn.brands.models import ApiKey, Grant
from shequn.catalog.models import Organization

router = Router(tags=["partner"], auth=ApiKeyAuth("grants"))


class GrantOut(Schema):
    id: int
    brand: str
    brand_id: int
    grantor: str
    grantor_id: int
    grantee: str
    grantee_id: int
    scope: str
    category_ids: list[int]
    sku_ids: list[int]
    channel: str
    valid_from: dt.date
    valid_to: dt.date
    status: str
    document_name: str
    document_type: str
    document_sha256: str
    created_at: dt.datetime


class GrantIn(Schema):
    grantee: str  # organization code or id
    brand: str | None = None  # defaults to the grantor (a brand owner granting its own goods)
    grantor: str | None = None  # the platform's key only
    scope: str = "all"
    category_ids: list[Id] = []
    sku_ids: list[Id] = []
    valid_from: dt.date
    valid_to: dt.date
    document_base64: str
    document_name: str = "authorization.pdf"
    note: str = ""


def _out(g: Grant) -> dict[str, Any]:
    return {"id": g.pk, "brand": g.brand.name, "brand_id": g.brand_id,
            "grantor": g.grantor.name, "grantor_id": g.grantor_id, "grantee": g.grantee.name,
            "grantee_id": g.grantee_id, "scope": g.scope,
            "category_ids": sorted(c.pk for c in g.categories.all()),
            "sku_ids": sorted(s.pk for s in g.skus.all()), "channel": g.channel,
            "valid_from": g.valid_from, "valid_to": g.valid_to, "status": g.status,
            "document_name": g.document_name, "document_type": g.document_type,
            "document_sha256": g.document_sha256, "created_at": g.created_at}


def _org(ref: str | None) -> Organization:
    ref = (ref or "").strip()
    org = Organization.objects.filter(code=ref).first() if ref else None
    if org is None and ref.isdigit() and len(ref) < 19:
        org = Organization.objects.filter(pk=int(ref)).first()
    if org is None:
        raise BrandError.UNKNOWN_ORGANIZATION.error(organization=ref[:40])
    return org


def _mine(request: HttpRequest, grant_id: int) -> Grant:
    org = partner_org(request)
    grant = grants.grants_of(org).filter(pk=grant_id).first()
    if grant is None:
        raise BrandError.GRANT_NOT_FOUND.error(grant=grant_id)
    return grant


@router.get("", response={200: list[GrantOut], 401: Error, 403: Error},
            url_name="partner_grants")
def list_grants(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    """Grants given, received or of the key organization's brand, newest first."""
    qs = grants.grants_of(partner_org(request)).prefetch_related("categories", "skus")
    if status:
        qs = qs.filter(status=status)
    return [_out(g) for g in qs[:500]]


@router.get("/{int:grant_id}", response={200: GrantOut, 401: Error, 403: Error, 404: Error},
            url_name="partner_grant")
def get_grant(request: HttpRequest, grant_id: Id) -> dict[str, Any]:
    return _out(_mine(request, grant_id))


def _create(request: HttpRequest, data: GrantIn, document: bytes) -> dict[str, Any]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    org = partner_org(request)
    grantor = _org(data.grantor) if org is None else org
    brand = _org(data.brand) if data.brand else grantor
    grant = grants.create_grant(
        None, grantor=grantor, grantee=_org(data.grantee), brand=brand,
        valid_from=data.valid_from, valid_to=data.valid_to, document=document,
        document_name=data.document_name, scope=data.scope, category_ids=data.category_ids,
        sku_ids=data.sku_ids, note=data.note[:300], api_key=key)
    return _out(grant)


ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 413: Error, 415: Error, 422: Error}


@router.post("", response={201: GrantOut, **ERRORS}, url_name="partner_grant_create")
def create_grant(request: HttpRequest, data: GrantIn) -> tuple[int, dict[str, Any]]:
    """A new grant (pending review), the document as base64."""
    if len(data.document_base64) > (grants.MAX_DOCUMENT_BYTES * 4) // 3 + 8:
        raise BrandError.DOCUMENT_TOO_LARGE.error(limit=grants.MAX_DOCUMENT_BYTES)
    try:
        document = base64.b64decode(data.document_base64, validate=True)
    except (binascii.Error, ValueError):
        raise BrandError.DOCUMENT_NOT_ALLOWED.error(reason="bad base64") from None
    return 201, _create(request, data, document)


class GrantForm(Schema):
    grantee: str
    brand: str | None = None
    grantor: str | None = None
    scope: str = "all"
    category_ids: list[Id] = []
    sku_ids: list[Id] = []
    valid_from: dt.date
    valid_to: dt.date
    note: str = ""


@router.post("/multipart", response={201: GrantOut, **ERRORS},
             url_name="partner_grant_create_multipart")
def create_grant_multipart(request: HttpRequest, data: Form[GrantForm],
                           document: File[UploadedFile]) -> tuple[int, dict[str, Any]]:
    """A new grant (pending review), the document as a multipart file ``document``."""
    if document.size and document.size > grants.MAX_DOCUMENT_BYTES:
        raise BrandError.DOCUMENT_TOO_LARGE.error(limit=grants.MAX_DOCUMENT_BYTES)
    # A form does not pass the JSON parser's check of its strings.
    texts = [v for v in data.dict().values() if isinstance(v, str)] + [document.name or ""]
    if not all(storable(t) for t in texts):
        raise ApiError.BAD_CHARACTERS.error()
    raw = document.read(grants.MAX_DOCUMENT_BYTES + 1)
    body = GrantIn(**data.dict(), document_base64="", document_name=document.name or "")
    return 201, _create(request, body, raw)
