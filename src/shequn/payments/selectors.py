"""Read-only questions about payments (for pages, metrics and the API)."""

from __future__ import annotations

from django.core.cache import cache

# Notifications refused before anything was stored (missing, wrong or stale
# signature). A counter in the shared cache (Redis outside the demo): cheap to
# bump on every refusal, so a flood of forged calls writes nothing to the
# database, and readable by the metrics endpoint.
REJECTED_KEY = "payments:rejected_notifications"


def count_rejected_notification() -> int:
    """Count one refused notification; returns the new total."""
    cache.add(REJECTED_KEY, 0, timeout=None)
    try:
        return int(cache.incr(REJECTED_KEY))
    except ValueError:  # evicted between add and incr
        cache.add(REJECTED_KEY, 1, timeout=None)
        return 1


def rejected_notification_count() -> int:
    """Notifications refused for their signature since the cache was last emptied."""
    return int(cache.get(REJECTED_KEY) or 0)
