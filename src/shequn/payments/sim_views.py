"""The payment simulator's hosted pay page (plays the provider's cashier)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shequn.core.money import ZERO
from shequn.payments import services


@login_required
@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, checkout_id: str) -> HttpResponse:
    # demo: the buyer pays their own checkout. staging: only staff reach this
    # page (web/sim/gate.py); they play the provider, for any buyer's checkout
    # (the buyer sends them the link), and come back here, not to their orders.
    provider_staff = settings.SHEQUN_ENV != "demo"
    payer = None if provider_staff else request.user
    payments = services.open_payments(checkout_id, payer)
    if request.method == "POST":
        if payments:
            services.simulate_payment(payer, checkout_id,
                                      as_other_person=request.POST.get("as_other") == "1")
        if provider_staff:
            return redirect(f"{request.path}?paid={len(payments)}")
        return redirect(f"/orders/?checkout={checkout_id}")
    total = sum((p.amount for p in payments), ZERO)
    return render(request, "paysim/pay.html",
                  {"payments": payments, "total": total, "checkout_id": checkout_id,
                   "provider_staff": provider_staff,
                   "paid_now": request.GET.get("paid", "").isdigit()})
