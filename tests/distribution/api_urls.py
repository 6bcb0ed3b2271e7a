"""Test URLconf used only while shequn.api.root does not mount the leaders
router yet: the same router under /api/v1/leaders with the same error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from ninja import NinjaAPI

from shequn.api.distribution import router
from shequn.core.errors import DomainError

api = NinjaAPI(urls_namespace="leaders_test", docs_url=None, openapi_url=None)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


api.add_router("/v1/leaders", router)

urlpatterns = [path("api/", api.urls), path("", include("shequn.urls"))]
