"""Request counts and latencies for ``/metrics``.

Series are labelled by the resolved route pattern (``api/v1/orders/<str:number>``),
never by the raw path, and by a closed set of methods: labels an outsider
controls would let anyone grow the series without bound.

Under gunicorn with several workers prometheus-client's multiprocess mode is
used (``PROMETHEUS_MULTIPROC_DIR``, set by ``shequn.gunicorn_conf`` before the
application is imported): every worker writes its own file and a scrape of any
worker sums them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Gauge, Histogram

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests no URL pattern matched (404s, static files served by whitenoise).
UNMATCHED = "<unmatched>"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("shequn_http_requests", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("shequn_http_request_duration_seconds",
                    "Time to answer an HTTP request", ["method", "route"], buckets=BUCKETS)
IN_PROGRESS = Gauge("shequn_http_requests_in_progress", "HTTP requests being answered",
                    multiprocess_mode="livesum")


def method_label(request: HttpRequest) -> str:
    method = (request.method or "").upper()
    return method if method in METHODS else "other"


def route_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    # The pattern, not the path: bounded by the URLconf. (`route` is the
    # joined pattern of every include level, regex ones included.)
    return str(match.route or match.view_name or UNMATCHED)


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        IN_PROGRESS.inc()
        try:
            response = self.get_response(request)
        finally:
            IN_PROGRESS.dec()
        # Django turns a view's exception into a 500 response before it gets
        # here, so every request is counted with its status.
        method, route = method_label(request), route_label(request)
        LATENCY.labels(method, route).observe(time.perf_counter() - start)
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response
