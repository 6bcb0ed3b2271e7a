"""Buyer's return request (申请退货) for a delivered order."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from shequn.core.errors import DomainError
from shequn.orders import returns
from shequn.orders.selectors import get_order_for_user
from shequn.web.store.views import domain_errors


@login_required
@domain_errors
def order_return(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order_for_user(request.user, number)
    lines = list(order.lines.all())
    error = None
    if request.method == "POST":
        wanted = []
        for line in lines:
            raw = request.POST.get(f"qty_{line.pk}", "0").strip() or "0"
            if raw != "0":
                wanted.append((line.pk, raw))
        try:
            returns.request_return(request.user, order.pk,
                                   [(pk, int(n) if n.isdigit() else -1) for pk, n in wanted],
                                   request.POST.get("reason", ""))
        except DomainError as err:
            if err.status >= 500:
                raise
            error = err
        else:
            return redirect("store:order", number=order.number)
    return render(request, "store/order_return.html", {
        "order": order, "lines": lines, "error": error, "tab": "orders",
        "requests": list(order.after_sales.all()),
    }, status=error.status if error else 200)


urlpatterns = [path("orders/<str:number>/return/", order_return, name="order_return")]
