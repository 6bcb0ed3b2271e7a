"""The buyer's side of delivery: confirming that the parcel arrived (the
logistics timeline itself is part of the order page, store/_logistics.html)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from shequn.logistics import outbound
from shequn.orders.selectors import get_order_for_user
from shequn.web.store.views import domain_errors


@login_required
@require_POST
@domain_errors
def confirm_received(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order_for_user(request.user, number)
    outbound.confirm_received(request.user, order.pk)
    return redirect("store:order", number=order.number)


urlpatterns = [
    path("orders/<str:number>/received/", confirm_received, name="order_received"),
]
