"""``/metrics``: Prometheus text format, for the monitoring system only.

Access: the client address (``shequn.core.netaddr.client_ip``, which believes
``X-Forwarded-For`` only from trusted proxies) is in
``SHEQUN["METRICS_ALLOW"]`` (addresses or networks), or the request carries
``Authorization: Bearer <SHEQUN["METRICS_TOKEN"]>`` (an empty token switches
token access off). Anyone else gets a 403 with the usual error body.

Series: request counts and latencies (``middleware.py``) and business figures
read from the database at scrape time by ``BusinessCollector`` with a handful
of aggregate queries, so every web worker answers the same numbers and nothing
has to be kept in step with the services.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shequn.core import clock, netaddr
from shequn.core.errors import CommonError

log = logging.getLogger("shequn.runtime")

# A declaration is stuck when customs has not moved it for this long (the ops
# console's default; customs.selectors.stuck is the definition).
DEFAULT_STUCK_MINUTES = 30
NO_STORE = "no-store"

__all__ = ["BusinessCollector", "allowed", "metrics", "scrape_registry"]


# --------------------------------------------------------------------------- access

def _setting(key: str, default: Any) -> Any:
    return getattr(settings, "SHEQUN", {}).get(key, default)


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_ok(request: HttpRequest) -> bool:
    token = str(_setting("METRICS_TOKEN", "") or "")
    given = _bearer(request)
    if not token or not given:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def address_ok(request: HttpRequest) -> bool:
    allow = tuple(str(a) for a in (_setting("METRICS_ALLOW", ()) or ()))
    if not allow:
        return False
    networks = _allow_networks(allow)
    return bool(networks) and netaddr.in_networks(netaddr.client_ip(request), networks)


@lru_cache(maxsize=4)
def _allow_networks(allow: tuple[str, ...]) -> tuple[netaddr.Network, ...]:
    try:
        return tuple(ipaddress.ip_network(a.strip(), strict=False) for a in allow if a.strip())
    except ValueError:
        # Refuse everyone rather than guess what was meant.
        log.error("SHEQUN['METRICS_ALLOW'] has an entry that is not an address or network")
        return ()


def allowed(request: HttpRequest) -> bool:
    """May this request read the metrics (and the details of failed checks)?"""
    return token_ok(request) or address_ok(request)


# --------------------------------------------------------------------------- business series

def _orders() -> Iterator[Metric]:
    from shequn.orders.models import Order

    counts = dict(Order.objects.order_by().values_list("state").annotate(n=Count("pk")))
    by_state = GaugeMetricFamily("shequn_orders", "Orders by state", labels=["state"])
    for state in Order.State.values:
        by_state.add_metric([state], counts.get(state, 0))
    yield by_state
    # Orders are never deleted: every order that exists was placed once.
    yield CounterMetricFamily("shequn_orders_placed", "Orders placed",
                              value=sum(counts.values()))


def _payments() -> Iterator[Metric]:
    from shequn.payments import selectors as payment_selectors
    from shequn.payments.models import PaymentNotification

    applied = PaymentNotification.objects.filter(signature_ok=True, outcome="applied").count()
    yield CounterMetricFamily("shequn_payments_applied",
                              "Payment notifications applied (orders paid)", value=applied)
    yield CounterMetricFamily("shequn_payment_notifications_rejected",
                              "Payment notifications refused (bad signature, stale, ...)",
                              value=payment_selectors.rejected_notification_count())


def _customs() -> Iterator[Metric]:
    from shequn.customs import selectors
    from shequn.customs.models import Declaration

    counts = dict(Declaration.objects.order_by().values_list("state").annotate(n=Count("pk")))
    by_state = GaugeMetricFamily("shequn_customs_declarations", "Customs declarations by state",
                                 labels=["state"])
    for state in Declaration.State.values:
        by_state.add_metric([state], counts.get(state, 0))
    yield by_state
    minutes = int(_setting("METRICS_STUCK_MINUTES", DEFAULT_STUCK_MINUTES))
    stuck = selectors.stuck(minutes).order_by().count()
    yield GaugeMetricFamily(
        "shequn_customs_stuck_declarations",
        f"Declarations customs has not moved for {minutes} minutes (no change, no receipt)",
        value=stuck)


def _outbox() -> Iterator[Metric]:
    from shequn.core.models import OutboxEvent

    # Only unfinished rows (processed_at IS NULL, indexed): processed events pile up.
    open_events = OutboxEvent.objects.filter(processed_at__isnull=True)
    figures = open_events.aggregate(
        backlog=Count("pk", filter=Q(dead_at__isnull=True)),
        unrelayed=Count("pk", filter=Q(dead_at__isnull=True, relayed_at__isnull=True)),
        dead=Count("pk", filter=Q(dead_at__isnull=False)),
        oldest=Min("available_at", filter=Q(dead_at__isnull=True)))
    yield GaugeMetricFamily("shequn_outbox_backlog",
                            "Outbox events not processed yet (dead letters excluded)",
                            value=figures["backlog"])
    yield GaugeMetricFamily("shequn_outbox_unrelayed",
                            "Of the backlog, events not yet handed to the broker",
                            value=figures["unrelayed"])
    yield GaugeMetricFamily("shequn_outbox_dead_letters",
                            "Outbox events that failed for good and wait for an operator",
                            value=figures["dead"])
    oldest = figures["oldest"]
    age = max(0.0, (clock.now() - oldest).total_seconds()) if oldest is not None else 0.0
    yield GaugeMetricFamily("shequn_outbox_oldest_age_seconds",
                            "Age of the oldest due, unprocessed outbox event", value=age)


SECTIONS: tuple[tuple[str, Callable[[], Iterable[Metric]]], ...] = (
    ("orders", _orders), ("payments", _payments), ("customs", _customs), ("outbox", _outbox))


class BusinessCollector:
    """Business figures read from the database at scrape time. A section that
    fails (database away) is reported by ``shequn_business_scrape_ok{section}``
    = 0 instead of failing the whole scrape."""

    def describe(self) -> list[Metric]:
        return []  # no query when registered; names are not checked for clashes

    def collect(self) -> Iterator[Metric]:
        ok = GaugeMetricFamily("shequn_business_scrape_ok",
                               "1 when the section's figures could be read", labels=["section"])
        started = time.perf_counter()
        database_away = False
        for name, section in SECTIONS:
            if database_away:  # do not wait for the same connection timeout again
                ok.add_metric([name], 0)
                continue
            try:
                metrics = list(section())
            except Exception as exc:  # one line per scrape, not a traceback every 15 s
                log.warning("metrics: reading %s figures failed: %s: %s", name,
                            type(exc).__name__, exc)
                ok.add_metric([name], 0)
                database_away = isinstance(exc, OperationalError | InterfaceError)
                continue
            ok.add_metric([name], 1)
            yield from metrics
        yield ok
        yield GaugeMetricFamily("shequn_business_scrape_seconds",
                                "Time to read the business figures",
                                value=time.perf_counter() - started)


class _Forward:
    """Collects what another registry holds (the process's default registry)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


def multiprocess_dir() -> str | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


def scrape_registry() -> CollectorRegistry:
    """A registry for one scrape: this process's series (or, in multiprocess
    mode, every worker's) plus the business figures."""
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    path = multiprocess_dir()
    if path:
        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(BusinessCollector())
    return registry


def _refused() -> JsonResponse:
    response = JsonResponse(CommonError.FORBIDDEN.error().as_dict(), status=403)
    response["Cache-Control"] = NO_STORE
    return response


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return _refused()
    response = HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = NO_STORE
    return response
