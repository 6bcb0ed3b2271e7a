"""Health and metrics endpoints, included at the site root (no prefix): probes
and scrapers are configured with these exact paths."""

from django.urls import path

from shequn.web.runtime import health, metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
]
