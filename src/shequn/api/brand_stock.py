"""Partner API: stock and ASNs of the key's organization.

Scope ``stock`` reads stock by warehouse and batch; scope ``asn`` creates, lists
and reads ASNs with their receipts and discrepancies. The key's organization
bounds every answer: another organization's ASN is a 404, another
organization's SKU in an ASN is refused (``foreign_sku``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema

from shequn.api.keyauth import ApiKeyAuth, partner_org
from shequn.api.schemas import Error, Id, SmallInt, Text40, Text60, Text200
from shequn.core.errors import CommonError
from shequn.inventory import selectors as stock_selectors
from shequn.logistics import inbound
from shequn.logistics import inbound_selectors as reads
from shequn.logistics.models import ASN

Text30 = Annotated[str, Field(max_length=30)]

router = Router(tags=["partner"])
STOCK = ApiKeyAuth("stock")
ASNS = ApiKeyAuth("asn")


class StockOut(Schema):
    warehouse: str
    sku: str
    gtin: str
    lot: str
    expiry: dt.date | None
    on_hand: int
    reserved: int
    available: int
    quarantine: int
    sellable: bool = Field(description="false when the shelf-life rule keeps the batch off sale")


@router.get("", response={200: list[StockOut], 401: Error, 403: Error}, auth=STOCK)
def stock(request: HttpRequest) -> list[StockOut]:
    """Stock of the key's organization by warehouse and batch."""
    org = partner_org(request)
    rows = stock_selectors.stock_rows(owner_id=org.pk if org else None)
    return [StockOut(warehouse=r.warehouse.code, sku=r.sku.code, gtin=r.sku.gtin,
                     lot=r.batch.lot, expiry=r.batch.expiry, on_hand=r.on_hand,
                     reserved=r.reserved, available=r.available, quarantine=r.quarantine,
                     sellable=r.sellable)  # type: ignore[attr-defined]
            for r in rows]


class LineIn(Schema):
    sku: Text40 = Field(description="SKU code or GTIN")
    lot: Text40
    expiry: dt.date | None = None
    qty: SmallInt


class ASNIn(Schema):
    warehouse: Id = Field(description="warehouse id")
    expected_date: dt.date
    ems_no: Text30 = ""
    bond_invt_no: Text30 = Field("", description="保税核注清单 number (bondInvtNo)")
    reference: Text60 = ""
    note: Text200 = ""
    lines: list[LineIn] = Field(max_length=200)


class ASNLineOut(Schema):
    line: int
    sku: str
    lot: str
    expiry: dt.date | None
    qty_expected: int
    counted: int
    damaged: int
    received: int


class DiscrepancyOut(Schema):
    line: int | None
    kind: str
    qty: int
    code: str
    reason: str


class ASNOut(Schema):
    id: int
    number: str
    owner: str
    warehouse: str
    expected_date: dt.date
    ems_no: str
    bond_invt_no: str
    status: str
    created_at: dt.datetime
    received_at: dt.datetime | None
    lines: list[ASNLineOut]
    discrepancies: list[DiscrepancyOut]


def asn_out(asn: ASN) -> ASNOut:
    return ASNOut(
        id=asn.pk, number=asn.number, owner=asn.owner.code or asn.owner.name,
        warehouse=asn.warehouse.code, expected_date=asn.expected_date, ems_no=asn.ems_no,
        bond_invt_no=asn.bond_invt_no, status=asn.status, created_at=asn.created_at,
        received_at=asn.received_at,
        lines=[ASNLineOut(line=ln.line_no, sku=ln.sku.code, lot=ln.lot, expiry=ln.expiry,
                          qty_expected=ln.qty_expected, counted=ln.counted, damaged=ln.damaged,
                          received=ln.received)
               for ln in asn.lines.select_related("sku").order_by("line_no")],
        discrepancies=[DiscrepancyOut(line=d.line.line_no if d.line else None, kind=d.kind,
                                      qty=d.qty, code=d.code, reason=d.reason)
                       for d in asn.discrepancies.select_related("line")])


@router.post("/asns", response={201: ASNOut, 401: Error, 403: Error, 409: Error, 422: Error},
             auth=ASNS)
def create_asn(request: HttpRequest, payload: ASNIn) -> tuple[int, ASNOut]:
    """Announce goods to a warehouse. Refused with a code and nothing written:
    ``unknown_sku``, ``foreign_sku`` (another organization's SKU),
    ``invalid_qty`` (not 1..1,000,000), ``unknown_warehouse``,
    ``reversed_dates`` (expiry on or before the expected date), ``ems_mismatch``."""
    org = partner_org(request)
    if org is None:  # the platform's key announces no goods of its own
        raise CommonError.FORBIDDEN.error()
    key = request.auth  # type: ignore[attr-defined]
    asn = inbound.create_asn(
        key, org, warehouse_id=payload.warehouse,
        expected_date=payload.expected_date, ems_no=payload.ems_no,
        bond_invt_no=payload.bond_invt_no, reference=payload.reference, note=payload.note,
        lines=[inbound.LineIn(sku=ln.sku, lot=ln.lot, expiry=ln.expiry, qty=ln.qty)
               for ln in payload.lines])
    return 201, asn_out(asn)


@router.get("/asns", response={200: list[ASNOut], 401: Error, 403: Error}, auth=ASNS)
def list_asns(request: HttpRequest, status: str = "") -> list[ASNOut]:
    org = partner_org(request)
    qs = reads.asns_of(org.pk if org else None)
    if status:
        qs = qs.filter(status=status)
    return [asn_out(a) for a in qs[:100]]


@router.get("/asns/{number}", response={200: ASNOut, 401: Error, 403: Error, 404: Error},
            auth=ASNS)
def get_asn(request: HttpRequest, number: str) -> ASNOut:
    """One ASN with its receipt (counted, damaged, in stock per line) and its
    discrepancies. Another organization's ASN is not found (404)."""
    org = partner_org(request)
    asn = reads.asn_of(org.pk if org else None, number=number)
    if asn is None:
        raise CommonError.NOT_FOUND.error()
    return asn_out(asn)
