"""The site's URLs with the runtime endpoints at the root, for tests that run
before (or without) src/shequn/urls.py including them."""

from django.urls import include, path

urlpatterns = [
    path("", include("shequn.web.runtime.urls")),
    path("", include("shequn.urls")),
]
