"""Every warehouse page and the ops risk pages against the roles that have no
business there: anonymous visitors are sent to sign in, buyers, leaders and
brand staff are refused (403, or 405 for a method the page does not take),
never answered with a page. Walks the URL patterns, so a page added without
its access decorator fails here.

The ids in the paths need not exist: access is decided before any lookup."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.builders import make_buyer, make_leader
from tests.builders.console import make_brand

pytestmark = pytest.mark.django_db

# Warehouse patterns that are not staff pages: name → why.
NOT_STAFF_PAGES = {
    "warehouse:out_carrier_push": "the carrier's push, authorized by the secret path token",
    "warehouse:out_carrier_sim": "the carrier simulator's page (simulator gate, not staff)",
}
OPS_TRACE_PAGES = ("ops:risk", "ops:risk_dismiss")
# A value of each path converter's kind (the ids need not exist).
FILL = {"uuid": str(uuid.UUID(int=1)), "int": "1", "id": "1", "str": "1", "path": "1"}


def _walk(resolver: URLResolver, prefix: str, ns: str) -> Iterator[tuple[str, str]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            yield (f"{ns}:{p.name}" if p.name else prefix + str(p.pattern),
                   prefix + str(p.pattern))


def _pages() -> list[tuple[str, str]]:
    found = [(name, route) for name, route in _walk(get_resolver(), "/", "")
             if (name.startswith("warehouse:") and name not in NOT_STAFF_PAGES)
             or name in OPS_TRACE_PAGES]
    assert len(found) > 20 and any(n == "ops:risk" for n, _r in found)
    return found


def _url(name: str, route: str) -> str:
    def fill(m: re.Match[str]) -> str:
        kind = m.group(1) or "str"
        assert kind in FILL, f"{name} ({route}): register the converter {kind!r} in FILL"
        return FILL[kind]

    url = re.sub(r"<(?:(\w+):)?\w+>", fill, route)
    assert "^" not in url and "(" not in url, f"{name}: a regex route, fill it by hand"
    return url


def test_anonymous_visitors_are_sent_to_sign_in():
    c = Client()
    for name, route in _pages():
        url = _url(name, route)
        for method in ("get", "post"):
            resp = getattr(c, method)(url)
            if resp.status_code == 405:
                continue
            assert resp.status_code == 302 and resp["Location"].startswith("/login/"), \
                f"anonymous {method.upper()} {url} ({name}) → {resp.status_code}"


@pytest.mark.parametrize("who", ["buyer", "leader", "brand_admin", "brand_staff"])
def test_other_roles_are_refused_every_warehouse_and_ops_risk_page(who):
    brand = make_brand()
    user = {"buyer": make_buyer, "leader": lambda: make_leader().user,
            "brand_admin": lambda: brand.admin, "brand_staff": lambda: brand.staff}[who]()
    c = Client()
    c.force_login(user)
    for name, route in _pages():
        url = _url(name, route)
        for method in ("get", "post"):
            resp = getattr(c, method)(url)
            assert resp.status_code in (403, 405), \
                f"{who} {method.upper()} {url} ({name}) → {resp.status_code}"
