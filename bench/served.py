"""One verify-page request as a server runs it, for the benchmarks.

Django's test client skips the connection housekeeping ``WSGIHandler`` does
around each request (the kept connection's age and health check), which a
server pays for. Each scan comes from an address of its own (many buyers, not
one), so the page's rate limit is counted in Redis as in service without
refusing the load. Django is imported by the caller (the checkout it runs).

``phone``: the device cookie the scan is sent with. A unit is checked by its
buyer's phone (``phone_of(serial)``): the benchmarks check a few thousand units
again and again, and with the test client's own cookie every worker of a run
was one phone checking all of them, so most units soon looked checked "from
three phones" and raised a signal each, a storm no real service sees (a copied
code's signals are measured by ``bench/copied_code.py``)."""

from __future__ import annotations

import hashlib
import random
from typing import Any

DEVICE_COOKIE = "sq_dev"  # web.verify.views.DEVICE_COOKIE


def phone_of(serial: str) -> str:
    """The device cookie of the phone that checks this unit (the buyer's)."""
    return hashlib.sha256(serial.encode()).hexdigest()[:32]


def served(client: Any, url: str, rng: random.Random, phone: str = "") -> Any:
    from django.db import close_old_connections

    if phone:
        client.cookies[DEVICE_COOKIE] = phone
    close_old_connections()
    try:
        return client.get(url, REMOTE_ADDR=f"10.{rng.randrange(256)}.{rng.randrange(256)}."
                                           f"{rng.randrange(1, 255)}")
    finally:
        close_old_connections()
