"""Operator API: move paid orders along until customs clearance exists,
clear holds and refund. Every action is in the audit log."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Router, Schema
from ninja.security import django_auth

from shequn.api.orders import OrderOut, order_out
from shequn.api.schemas import Error, Id, Text200
from shequn.core.errors import CommonError
from shequn.logistics import outbound
from shequn.orders import services
from shequn.orders.models import Order
from shequn.payments import services as payments

router = Router(tags=["ops"], auth=django_auth)


class OrderReasonIn(Schema):
    reason: Text200 = ""


def _order(request: HttpRequest, number: str) -> Order:
    user = request.user
    if not (user.is_superuser or user.groups.filter(name="operator").exists()):
        raise CommonError.FORBIDDEN.error()
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise CommonError.NOT_FOUND.error()
    return order


def _fresh(number: str) -> OrderOut:
    return order_out(Order.objects.select_related("warehouse", "shop").get(number=number))


@router.post("/orders/{number}/ship", response={200: OrderOut, 403: Error, 404: Error,
                                                 409: Error})
def ship(request: HttpRequest, number: str) -> OrderOut:
    services.mark_shipped(_order(request, number).pk, request.user)
    return _fresh(number)


@router.post("/orders/{number}/deliver", response={200: OrderOut, 403: Error, 404: Error,
                                                    409: Error})
def deliver(request: HttpRequest, number: str) -> OrderOut:
    outbound.mark_delivered(request.user, _order(request, number).pk)
    return _fresh(number)


@router.post("/orders/{number}/clear-hold", response={200: OrderOut, 403: Error, 404: Error,
                                                       409: Error})
def clear_hold(request: HttpRequest, number: str, payload: OrderReasonIn) -> OrderOut:
    services.clear_hold(_order(request, number).pk, request.user, payload.reason)
    return _fresh(number)


@router.post("/orders/{number}/refund", response={200: OrderOut, 403: Error, 404: Error,
                                                   409: Error})
def refund(request: HttpRequest, number: str, payload: OrderReasonIn) -> OrderOut:
    from shequn.customs.ops import ensure_refundable

    order = _order(request, number)
    ensure_refundable(order)
    payments.refund_order(order.pk, actor=request.user,
                          reason=payload.reason or gettext_noop("Refund by an operator"))
    return _fresh(number)


class DecisionIn(Schema):
    approve: bool
    reason: Text200 = ""


@router.post("/orders/{number}/returns/{return_id}",
             response={200: OrderOut, 403: Error, 404: Error, 409: Error, 422: Error})
def decide_return(request: HttpRequest, number: str, return_id: Id, payload: DecisionIn
                  ) -> OrderOut:
    """Approve or reject a buyer's return request (audited)."""
    from shequn.orders import returns
    from shequn.orders.errors import OrderError

    order = _order(request, number)
    if not order.after_sales.filter(pk=return_id).exists():
        raise OrderError.AFTER_SALE_NOT_FOUND.error()
    returns.decide_return(request.user, return_id, approve=payload.approve, note=payload.reason)
    return _fresh(number)
