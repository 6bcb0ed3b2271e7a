"""Partner API: sales of the key's organization's products (scope ``sales``).

Bounded by the key's organization: order lines whose product's brand or seller
of record is that organization (a platform key sees every line). Paid orders
that are not refunded in full, counted on the day they were paid (Asia/Shanghai).
No buyer's personal data; leaders by display name only.

    GET /api/v1/partner/sales/me              the key's organization and scopes (any scope)
    GET /api/v1/partner/sales/daily           GMV, orders, units, refunds per day
    GET /api/v1/partner/sales/lines           sold order lines
    GET /api/v1/partner/sales/orders/{number} one order's lines of the organization's products
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema

from shequn.analytics import brand as figures
from shequn.api.keyauth import ApiKeyAuth, partner_org
from shequn.api.schemas import Error
from shequn.brands.errors import BrandError
from shequn.core.errors import CommonError

router = Router(tags=["partner"])
SALES = ApiKeyAuth("sales")
MAX_DAYS = 366
MAX_LINES = 1000
Limit = Annotated[int, Field(ge=1, le=MAX_LINES)]
Offset = Annotated[int, Field(ge=0, le=10_000_000)]


class OrganizationOut(Schema):
    code: str | None
    name: str
    kind: str


class MeOut(Schema):
    prefix: str
    name: str
    platform: bool = Field(description="A platform key: no organization, sees every one")
    organization: OrganizationOut | None
    scopes: list[str]


class DayOut(Schema):
    day: dt.date
    gmv: str = Field(description="Value of the organization's lines (CNY, 2 places)")
    orders: int
    units: int
    refunds: int = Field(description="Orders with the organization's lines refunded that day")


class SalesLineOut(Schema):
    order: str
    paid_at: dt.datetime | None
    state: str
    sku: str
    product: str
    qty: int
    unit_price: str
    total_price: str
    leader: str | None = Field(description="The attributed leader's display name, if any")


def _range(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    until = date_to or figures.today()
    since = date_from or until - dt.timedelta(days=figures.DAYS - 1)
    if since > until or (until - since).days + 1 > MAX_DAYS:
        raise CommonError.INVALID_INPUT.error(reason="date range", max_days=MAX_DAYS)
    return since, until


def _line_out(row: dict) -> SalesLineOut:
    return SalesLineOut(order=row["order"], paid_at=row["paid_at"], state=row["state"],
                        sku=row["sku"], product=row["product"], qty=row["qty"],
                        unit_price=f"{row['unit_price']:.2f}",
                        total_price=f"{row['total_price']:.2f}",
                        leader=row["leader"])


@router.get("/me", auth=ApiKeyAuth(None), response={200: MeOut, 401: Error})
def me(request: HttpRequest) -> MeOut:
    """Which organization this key belongs to and what it may do."""
    key = request.auth  # type: ignore[attr-defined]
    org = key.organization
    return MeOut(prefix=key.prefix, name=key.name, platform=org is None,
                 organization=(OrganizationOut(code=org.code, name=org.name, kind=org.kind)
                               if org else None),
                 scopes=list(key.scopes))


@router.get("/daily", auth=SALES, response={200: list[DayOut], 401: Error, 403: Error,
                                              422: Error})
def daily(request: HttpRequest, date_from: dt.date | None = None,
          date_to: dt.date | None = None) -> list[DayOut]:
    """One row per day from ``date_from`` to ``date_to`` (default: the last 30 days;
    at most 366), zeros included."""
    since, until = _range(date_from, date_to)
    rows = figures.daily(partner_org(request), days=(until - since).days + 1, until=until)
    return [DayOut(day=dt.date.fromisoformat(r["day"]), gmv=f"{r['gmv']:.2f}",
                   orders=r["orders"], units=r["units"], refunds=r["refunds"]) for r in rows]


@router.get("/lines", auth=SALES, response={200: list[SalesLineOut], 401: Error, 403: Error,
                                              422: Error})
def lines(request: HttpRequest, date_from: dt.date | None = None,
          date_to: dt.date | None = None, limit: Limit = 200,
          offset: Offset = 0) -> list[SalesLineOut]:
    """The organization's sold lines paid from ``date_from`` to ``date_to``, oldest
    first (page with ``limit`` / ``offset``)."""
    since, until = _range(date_from, date_to)
    return [_line_out(r) for r in figures.order_lines(partner_org(request), since, until,
                                                      limit=limit, offset=offset)]


@router.get("/orders/{number}", auth=SALES,
            response={200: list[SalesLineOut], 401: Error, 403: Error, 404: Error})
def order(request: HttpRequest, number: str) -> list[SalesLineOut]:
    """One paid order's lines of the organization's products; 404 when the order
    has none (another organization's order looks like no order at all)."""
    rows = figures.order_lines(partner_org(request), number=number[:20], limit=MAX_LINES)
    if not rows:
        raise BrandError.FOREIGN_OBJECT.error()
    return [_line_out(r) for r in rows]
