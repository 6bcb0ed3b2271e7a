"""URLconf for the commission API tests: the real one, plus the commission
router on a test API (with the root API's error handlers) while
shequn.api.root.register() does not mount it yet."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from shequn.api.commission import router
from shequn.api.root import api as root_api
from shequn.urls import urlpatterns as base

if any(r is router for _, r in root_api._routers):
    urlpatterns = list(base)
else:
    test_api = NinjaAPI(urls_namespace="commission-test", docs_url=None, openapi_url=None)
    test_api._exception_handlers = dict(root_api._exception_handlers)
    test_api.add_router("/v1/commission", router)
    urlpatterns = [path("api/", test_api.urls), *base]
