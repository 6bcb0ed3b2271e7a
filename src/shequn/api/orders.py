"""Orders API for buyers: list, status with timeline, cancel an unpaid order."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import django_auth

from shequn.api.schemas import Error, SmallInt, Text200
from shequn.orders import selectors, services

router = Router(tags=["orders"], auth=django_auth)


class OrderLineOut(Schema):
    gnum: int
    name: str
    gmodel: str
    qty: int
    unit_price: str
    total_price: str
    tax: str


class StepOut(Schema):
    state: str
    label: str
    at: dt.datetime | None
    done: bool


class OrderOut(Schema):
    number: str
    state: str
    state_label: str
    hold_reason: str
    trade_mode: str
    warehouse: str
    buyer_name: str
    buyer_id: str
    consignee: str
    consignee_phone: str
    address: str
    goods_value: str
    freight: str
    tax_total: str
    actual_paid: str
    tax_regime: str
    created_at: dt.datetime
    expires_at: dt.datetime
    leader_shop: str | None
    lines: list[OrderLineOut]
    timeline: list[StepOut]


def order_out(order) -> OrderOut:  # type: ignore[no-untyped-def]
    return OrderOut(
        number=order.number, state=order.state, state_label=order.get_state_display(),
        hold_reason=order.hold_reason, trade_mode=order.trade_mode,
        warehouse=order.warehouse.name, buyer_name=order.buyer_name,
        buyer_id=order.buyer_id_masked, consignee=order.consignee,
        consignee_phone=order.consignee_phone_masked, address=order.address,
        goods_value=f"{order.goods_value:.2f}", freight=f"{order.freight:.2f}",
        tax_total=f"{order.tax_total:.2f}", actual_paid=f"{order.actual_paid:.2f}",
        tax_regime=order.tax_regime, created_at=order.created_at, expires_at=order.expires_at,
        leader_shop=order.shop.slug if order.shop_id else None,
        lines=[OrderLineOut(gnum=ln.gnum, name=ln.name, gmodel=ln.gmodel, qty=ln.qty,
                            unit_price=f"{ln.unit_price:.2f}", total_price=f"{ln.total_price:.2f}",
                            tax=f"{ln.tax:.2f}") for ln in order.lines.all()],
        timeline=[StepOut(state=s.state, label=s.label, at=s.at, done=s.done)
                  for s in selectors.timeline(order)])


@router.get("", response={200: list[OrderOut], 422: Error})
def list_orders(request: HttpRequest, checkout: uuid.UUID | None = None) -> list[OrderOut]:
    qs = selectors.orders_for_user(request.user).select_related("shop")
    if checkout:
        qs = qs.filter(checkout_id=checkout)
    return [order_out(o) for o in qs[:100]]


@router.get("/{number}", response={200: OrderOut, 404: Error})
def get_order(request: HttpRequest, number: str) -> OrderOut:
    return order_out(selectors.get_order_for_user(request.user, number))


@router.post("/{number}/cancel", response={200: OrderOut, 404: Error, 409: Error})
def cancel(request: HttpRequest, number: str) -> OrderOut:
    order = selectors.get_order_for_user(request.user, number)
    services.cancel_by_buyer(request.user, order.pk)
    return order_out(selectors.get_order_for_user(request.user, number))


class ReturnLineIn(Schema):
    line: SmallInt  # gnum of the order line
    qty: SmallInt


ReturnReason = Literal["quality", "damaged", "wrong_item", "not_as_described", "expiry",
                      "other"]


class ReturnIn(Schema):
    lines: list[ReturnLineIn] = Field(max_length=99)
    reason_code: ReturnReason = "other"
    reason: Text200 = Field("", description="required when reason_code is other")


class ReturnOut(Schema):
    id: int
    state: str
    reason_code: str
    reason: str
    goods_refund: str
    tax_refund: str


def return_out(after_sale) -> ReturnOut:  # type: ignore[no-untyped-def]
    return ReturnOut(id=after_sale.pk, state=after_sale.state,
                     reason_code=after_sale.reason_code, reason=after_sale.reason,
                     goods_refund=f"{after_sale.goods_refund:.2f}",
                     tax_refund=f"{after_sale.tax_refund:.2f}")


@router.post("/{number}/returns", response={201: ReturnOut, 404: Error, 409: Error, 422: Error})
def request_return(request: HttpRequest, number: str, payload: ReturnIn
                   ) -> tuple[int, ReturnOut]:
    """Ask to return some units of a delivered order (partial quantities allowed)."""
    from shequn.orders import returns

    order = selectors.get_order_for_user(request.user, number)
    by_gnum = {ln.gnum: ln.pk for ln in order.lines.all()}
    lines = [(by_gnum.get(item.line, 0), item.qty) for item in payload.lines]
    return 201, return_out(returns.request_return(request.user, order.pk, lines, payload.reason,
                                                  reason_code=payload.reason_code))


@router.get("/{number}/returns", response={200: list[ReturnOut], 404: Error})
def list_returns(request: HttpRequest, number: str) -> list[ReturnOut]:
    order = selectors.get_order_for_user(request.user, number)
    return [return_out(r) for r in order.after_sales.all()]
