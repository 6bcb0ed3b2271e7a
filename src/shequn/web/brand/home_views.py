"""The brand console's home (/brand/): the organization's sales by day for the
last 30 days (GMV, orders, units, refunds), top products and the leaders who
sell them (display names), stock health (days of cover, near-expiry batches),
grant status and recent notices; the notices page; and the invitation link an
invited person opens (/brand/invite/<token>/), signed in with the invited phone.

Every figure comes from analytics.brand bounded by ``request.org``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from shequn.analytics import brand as figures
from shequn.brands import people
from shequn.core.errors import DomainError
from shequn.web import charts
from shequn.web import notices as notices_page
from shequn.web.brand.access import brand_staff_only


@require_GET
@brand_staff_only
def home(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    per_day = figures.daily(org)
    days = [d["day"][5:] for d in per_day]
    sales_chart = charts.spec(days, charts.series(_("GMV"), [float(d["gmv"]) for d in per_day],
                                                  color=charts.RED), unit="¥")
    volume_chart = charts.spec(
        days,
        charts.series(_("Orders"), [d["orders"] for d in per_day], color=charts.BLUE),
        charts.series(pgettext("count", "Units"), [d["units"] for d in per_day], kind="line",
                      color=charts.GREY_BLUE),
        charts.series(_("Refunds"), [d["refunds"] for d in per_day], kind="line",
                      color=charts.ORANGE),
        integer=True)
    ctx = {"nav": "home", "per_day": per_day, "totals": figures.totals(per_day),
           "days": figures.DAYS, "sales_chart": sales_chart, "volume_chart": volume_chart,
           "products": figures.top_products(org), "leaders": figures.top_leaders(org),
           "stock": figures.stock_health(org), "expiry_days": figures.EXPIRY_DAYS,
           "grants": figures.grant_status(org),
           "alerts": notices_page.items(request.user, limit=5)}
    return render(request, "brand/home.html", ctx)


@require_http_methods(["GET", "POST"])
@brand_staff_only
def notices(request: HttpRequest) -> HttpResponse:
    return notices_page.page(request, "brand/notices.html", nav="notices")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person's page: who invites them to what; accepting needs
    sign-in with the invited mobile number (the phone + code sign-in)."""
    try:
        row = people.invitation_for(token)
    except DomainError as err:
        return render(request, "brand/invitation.html", {"error": err.message}, status=404)
    state = people.invitation_state(row)
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path(), "/login/")
        return render(request, "brand/invitation.html",
                      {"invitation": row, "state": state, "login_url":
                       f"/login/?next={request.path}"})
    if request.method == "POST":
        try:
            people.accept(request.user, token)
        except DomainError as err:
            return render(request, "brand/invitation.html",
                          {"invitation": row, "state": state, "error": err.message},
                          status=err.status)
        messages.success(request, _("Welcome to %(organization)s.")
                         % {"organization": row.organization.name})
        return redirect("/warehouse/" if row.role == "warehouse_staff" else "/brand/")
    return render(request, "brand/invitation.html", {"invitation": row, "state": state})


urlpatterns = [
    path("", home, name="home"),
    path("notices/", notices, name="notices"),
    path("invite/<str:token>/", invitation, name="invitation"),
]
