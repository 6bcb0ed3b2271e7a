"""The payment simulator's hosted pay page (plays the provider's cashier)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shequn.core.money import ZERO
from shequn.payments import services


@login_required
@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, checkout_id: str) -> HttpResponse:
    payments = services.open_payments(checkout_id, request.user)
    if request.method == "POST":
        if payments:
            services.simulate_payment(request.user, checkout_id,
                                      as_other_person=request.POST.get("as_other") == "1")
        return redirect(f"/orders/?checkout={checkout_id}")
    total = sum((p.amount for p in payments), ZERO)
    return render(request, "paysim/pay.html",
                  {"payments": payments, "total": total, "checkout_id": checkout_id})
