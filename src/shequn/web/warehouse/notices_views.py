"""The warehouse pages' notices (/warehouse/notices/): the signed-in staff
member's own notices, marked read one by one or all at once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_http_methods

from shequn.web import notices as notices_page
from shequn.web.warehouse.access import warehouse_only


@require_http_methods(["GET", "POST"])
@warehouse_only
def notices(request: HttpRequest) -> HttpResponse:
    return notices_page.page(request, "warehouse/notices.html", nav="notices")


urlpatterns = [
    path("notices/", notices, name="notices"),
]
