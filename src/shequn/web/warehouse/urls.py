"""Warehouse pages, /warehouse/ (phone-first: a barcode gun types into a field)."""

from django.urls import include, path

import shequn.core.converters  # noqa: F401  (registers <id:...>)

app_name = "warehouse"

urlpatterns = [
    path("", include("shequn.web.warehouse.inbound_views")),  # home, ASNs, receiving, stock
    path("out/", include("shequn.web.warehouse.outbound_views")),  # pick, pack, ship
    path("", include("shequn.web.warehouse.notices_views")),  # /warehouse/notices/
    path("", include("shequn.web.warehouse.codes_views")),  # coding units at inbound
]
