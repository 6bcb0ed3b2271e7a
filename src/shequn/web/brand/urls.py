"""The brand console, /brand/. Each area has its own module of views and its own
urlpatterns; the navigation (templates/brand/_base.html) links their paths."""

from django.urls import include, path

import shequn.core.converters  # noqa: F401  (registers <id:...>)

app_name = "brand"

urlpatterns = [
    path("", include("shequn.web.brand.home_views")),  # /brand/ home, notices
    path("products/", include("shequn.web.brand.products_views")),
    path("grants/", include("shequn.web.brand.grants_views")),
    path("stock/", include("shequn.web.brand.stock_views")),  # stock, ASNs, receipts
    path("team/", include("shequn.web.brand.team_views")),  # staff, invitations, API keys
    path("codes/", include("shequn.web.brand.codes_views")),  # unit codes, labels
    path("risk/", include("shequn.web.brand.risk_views")),  # traceability signals
]
