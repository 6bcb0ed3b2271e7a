"""The buyer's real-name identities and delivery addresses (masked on the way out)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from shequn.api.schemas import Error
from shequn.checkout import identities

router = Router(tags=["identities"], auth=django_auth)


class IdentityIn(Schema):
    name: str
    id_number: str
    phone: str


class IdentityOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    warnings: list[str] = []


class AddressIn(Schema):
    consignee: str
    phone: str
    province: str
    city: str
    district: str
    district_code: str
    detail: str


class AddressOut(Schema):
    id: int
    consignee: str
    phone: str
    address: str
    district_code: str


def _identity(i, warnings: list[str] | None = None) -> IdentityOut:  # type: ignore[no-untyped-def]
    return IdentityOut(id=i.pk, name=i.name, id_number=i.id_masked, phone=i.phone_masked,
                       warnings=warnings or [])


def _address(a) -> AddressOut:  # type: ignore[no-untyped-def]
    return AddressOut(id=a.pk, consignee=a.consignee, phone=a.phone_masked,
                      address=a.full_address, district_code=a.district_code)


@router.get("/identities", response=list[IdentityOut])
def list_identities(request: HttpRequest) -> list[IdentityOut]:
    return [_identity(i) for i in identities.list_identities(request.user)]


@router.post("/identities", response={201: IdentityOut, 422: Error})
def add_identity(request: HttpRequest, payload: IdentityIn) -> tuple[int, IdentityOut]:
    ident = identities.add_identity(request.user, payload.name, payload.id_number,
                                    payload.phone)
    return 201, _identity(ident, getattr(ident, "warnings", []))


@router.get("/addresses", response=list[AddressOut])
def list_addresses(request: HttpRequest) -> list[AddressOut]:
    return [_address(a) for a in identities.list_addresses(request.user)]


@router.post("/addresses", response={201: AddressOut, 422: Error})
def add_address(request: HttpRequest, payload: AddressIn) -> tuple[int, AddressOut]:
    addr = identities.add_address(request.user, payload.consignee, payload.phone,
                                  payload.province, payload.city, payload.district,
                                  payload.district_code, payload.detail)
    return 201, _address(addr)
