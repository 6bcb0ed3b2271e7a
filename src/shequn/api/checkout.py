"""Checkout API: quote and place (signed-in buyers)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from shequn.accounts.wechat_signin import require_phone
from shequn.api.schemas import Error, Id, SmallInt
from shequn.checkout import cart as carts
from shequn.checkout import services
from shequn.checkout.identities import get_identity
from shequn.distribution.hooks import before_place
from shequn.payments import services as payments

router = Router(tags=["checkout"], auth=django_auth)


class QuoteLineOut(Schema):
    name: str
    qty: int
    taxable_price: str
    tax: str


class GroupOut(Schema):
    warehouse: str
    trade_mode: str
    regime: str
    code: str | None
    goods_value: str
    freight: str
    tax_total: str
    payable: str
    lines: list[QuoteLineOut]


class QuoteOut(Schema):
    goods_total: str
    freight_total: str
    tax_total: str
    payable_total: str
    annual_used: str
    refused_code: str | None
    groups: list[GroupOut]


class QuoteIn(Schema):
    identity_id: Id | None = None


class PlaceIn(Schema):
    identity_id: Id
    address_id: Id
    cart_version: SmallInt | None = None


class OrderRef(Schema):
    number: str
    state: str
    actual_paid: str


class PlaceOut(Schema):
    checkout_id: str
    orders: list[OrderRef]
    pay_url: str


def _m(value: object) -> str:
    return f"{value:.2f}"


@router.post("/quote", response={200: QuoteOut, 404: Error, 422: Error})
def quote(request: HttpRequest, payload: QuoteIn) -> QuoteOut:
    cart = carts.cart_for_session(request.session, request.user)
    identity = get_identity(request.user, payload.identity_id) if payload.identity_id else None
    q = services.quote_checkout(cart, identity)
    return QuoteOut(
        goods_total=_m(q.goods_total), freight_total=_m(q.freight_total),
        tax_total=_m(q.tax_total), payable_total=_m(q.payable_total),
        annual_used=_m(q.annual_used), refused_code=q.refused_code,
        groups=[GroupOut(
            warehouse=g.warehouse.name, trade_mode=g.trade_mode, regime=g.quote.regime,
            code=g.quote.code, goods_value=_m(g.quote.goods_value), freight=_m(g.freight),
            tax_total=_m(g.quote.tax_total), payable=_m(g.payable),
            lines=[QuoteLineOut(name=cl.sku.product.name, qty=cl.qty,
                                taxable_price=_m(lt.taxable_price), tax=_m(lt.tax))
                   for cl, lt in zip(g.lines, g.quote.lines, strict=True)])
            for g in q.groups])


@router.post("/place", response={201: PlaceOut, 403: Error, 404: Error, 409: Error,
                                  422: Error})
def place(request: HttpRequest, payload: PlaceIn) -> tuple[int, PlaceOut]:
    require_phone(request.user)  # phone_required (403): a WeChat sign-in binds one first
    cart = carts.cart_for_session(request.session, request.user)
    before_place(request.user, cart)  # a lapsed binding attributes nothing
    # The payments are created in placement's own transaction (no second
    # transaction locking the orders again); the provider's pay page is asked
    # for after it commits. The pay page retries through start_payment.
    orders = services.place_order(user=request.user, cart=cart, identity_id=payload.identity_id,
                                  address_id=payload.address_id,
                                  expected_version=payload.cart_version,
                                  on_placed=payments.create_payments)
    checkout_id = orders[0].checkout_id
    url = payments.pay_url(checkout_id)
    return 201, PlaceOut(checkout_id=str(checkout_id), pay_url=url,
                         orders=[OrderRef(number=o.number, state=o.state,
                                          actual_paid=_m(o.actual_paid)) for o in orders])
