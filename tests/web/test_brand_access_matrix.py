"""The brand side's authorization matrix: EVERY URL pattern under the ``brand:``
namespace and EVERY /api/v1/partner/ operation of the OpenAPI document, against
anonymous visitors, the other roles, a second brand and keys of the wrong
organization or without the scope.

Pages: anonymous → sign-in redirect; buyer, leader, warehouse staff, operator →
403; brand B's staff → 403/404 on brand A's objects and never A's data on B's
own list pages. API: no key → 401; a key without the scope → 403; a key of
organization B → 404 on A's objects.

To cover a new page or operation, register how to fill its path parameters in
``PATH_KWARGS`` (page kwarg name → a function of the World returning brand A's
object id) or ``API_PARAMS`` (OpenAPI parameter name → the same). A pattern
with an unregistered kwarg fails the test with a message naming it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from shequn.brands import people
from shequn.brands.models import ApiKey, Grant, Invitation, Membership
from shequn.catalog.models import SKU, Organization
from shequn.core import clock
from shequn.orders.models import Order
from tests.builders import leader_and_shop, make_buyer, make_leader, make_user, paid_order
from tests.builders.console import (
    Brand,
    brand_sku,
    make_brand,
    make_warehouse_operator,
    operator,
)
from tests.builders.ids import phone as new_phone

pytestmark = pytest.mark.django_db


@dataclass
class World:
    a: Brand
    b: Brand
    sku_a: SKU
    order_a: Order
    grant_a: Grant
    invitation_a: Invitation
    key_a: ApiKey
    buyer: Any
    leader: Any
    warehouse_staff: Any
    operator: Any
    marker: str  # a string only brand A's data contains

    def member_a(self) -> Membership:
        return Membership.objects.get(organization=self.a.org, user=self.a.staff)


# ----------------------------------------------------------------- registries (extend here)

# Page path kwarg name → brand A's object (its id or key) for that kwarg.
def _asn_a(w: World) -> Any:
    """Brand A's ASN into a warehouse (made on first use)."""
    from shequn.logistics.models import ASN
    from tests.builders.inbound import make_asn, operated_warehouse

    found = ASN.objects.filter(owner=w.a.org).first()
    if found is None:
        _op, house = operated_warehouse()
        found = make_asn(w.a.org, house, [(w.sku_a, "MATRIX-LOT", 5)], actor=w.a.admin)
    return found


def _image_a(w: World) -> Any:
    import io

    from PIL import Image

    from shequn.catalog import editing

    product = w.sku_a.product
    if not product.images.exists():
        buf = io.BytesIO()
        Image.new("RGB", (64, 64), (200, 10, 10)).save(buf, "PNG")
        editing.add_image(w.a.org, w.a.admin, product.pk, buf.getvalue())
    return product.images.first()


def _job_a(w: World) -> Any:
    from django.core.files.base import ContentFile

    from shequn.catalog.models import ImportJob

    job = ImportJob.objects.filter(organization=w.a.org).first()
    if job is None:
        job = ImportJob(organization=w.a.org, created_by=w.a.admin, filename="a.xlsx",
                        state=ImportJob.State.FAILED)
        job.file.save("matrix.xlsx", ContentFile(b"PK"), save=False)
        job.save()
    return job


def _batch_a(w: World) -> Any:
    """Brand A's code batch (made on first use, generated at once)."""
    from shequn.trace import codes
    from shequn.trace.models import CodeBatch

    found = CodeBatch.objects.filter(org=w.a.org).first()
    if found is None:
        found = codes.create_batch(w.a.admin, w.a.org, sku_id=w.sku_a.pk, lot="MATRIX",
                                   quantity=3)
        codes.generate(found.pk)
    return found


PATH_KWARGS: dict[str, Callable[[World], Any]] = {
    "batch_id": lambda w: _batch_a(w).pk,
    "pk": lambda w: w.grant_a.pk,  # /brand/grants/<pk>/…
    "asn_id": lambda w: _asn_a(w).pk,
    "image_id": lambda w: _image_a(w).pk,
    "job_id": lambda w: _job_a(w).pk,
    "action": lambda w: "suspend",
    "invitation_id": lambda w: w.invitation_a.pk,
    "membership_id": lambda w: w.member_a().pk,
    "key_id": lambda w: w.key_a.pk,
    "product_id": lambda w: w.sku_a.product_id,
    "sku_id": lambda w: w.sku_a.pk,
    "grant_id": lambda w: w.grant_a.pk,
    "number": lambda w: w.order_a.number,
}

# Brand pages open to any signed-in person (never brand data): name → reason.
OPEN_PAGES: dict[str, str] = {
    "brand:invitation": "the invitee opens it before joining; acceptance checks the phone",
}

# OpenAPI path parameter name → brand A's object for that parameter.
API_PARAMS: dict[str, Callable[[World], Any]] = {
    "number": lambda w: w.order_a.number,
    "sku_id": lambda w: w.sku_a.pk,
    "product_id": lambda w: w.sku_a.product_id,
    "grant_id": lambda w: w.grant_a.pk,
    "code": lambda w: w.sku_a.code,
    "sku_code": lambda w: w.sku_a.code,
}

# Operations any active key may call (no scope): path → reason.
API_ANY_SCOPE: dict[str, str] = {
    "/api/v1/partner/sales/me": "tells the key's own organization and scopes",
}


# ----------------------------------------------------------------- the world

@pytest.fixture
def world() -> World:
    a, b = make_brand("甲品牌MATRIX"), make_brand("乙品牌")
    sku_a = brand_sku(a.org, price="99.00")
    brand_sku(b.org)
    _leader, shop = leader_and_shop(user=make_user(display_name="矩阵团长甲"))
    order_a = paid_order(shop, sku_a, qty=1)
    importer = make_brand(kind=Organization.Kind.EBC)
    today = clock.today()
    grant_a = Grant.objects.create(brand=a.org, grantor=a.org, grantee=importer.org,
                                   valid_from=today, valid_to=today + dt.timedelta(days=60),
                                   status=Grant.Status.ACTIVE)
    invitation_a, _ = people.invite(a.admin, a.org, role=Membership.Role.STAFF,
                                    name="矩阵受邀人", phone=new_phone())
    a.key("sales")
    key_a = ApiKey.objects.get(organization=a.org)
    _wh_org, wh_staff = make_warehouse_operator()
    return World(a=a, b=b, sku_a=sku_a, order_a=order_a, grant_a=grant_a,
                 invitation_a=invitation_a, key_a=key_a, buyer=make_buyer(),
                 leader=make_leader().user, warehouse_staff=wh_staff, operator=operator(),
                 marker="甲品牌MATRIX")


def _walk(resolver: URLResolver, prefix: str, ns: str) -> Iterator[tuple[str, str, list[str]]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner_ns = ns
            if p.namespace:
                inner_ns = f"{ns}:{p.namespace}" if ns else p.namespace
            yield from _walk(p, prefix + str(p.pattern), inner_ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            yield f"{ns}:{p.name}" if p.name else route, route, \
                re.findall(r"<(?:\w+:)?(\w+)>", route)


def brand_patterns() -> list[tuple[str, str, list[str]]]:
    """(name, route, kwarg names) of every pattern under ``brand:``."""
    found = [t for t in _walk(get_resolver(), "/", "") if t[0].startswith("brand:")]
    assert found, "no brand: URL patterns found"
    return found


def _fill(route: str, values: dict[str, Any]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def _url(world: World, name: str, route: str, kwargs: list[str]) -> str:
    missing = [k for k in kwargs if k not in PATH_KWARGS]
    assert not missing, (f"{name} ({route}) has path kwargs {missing} the access matrix does "
                         f"not know: register them in PATH_KWARGS of {__name__}")
    return _fill(route, {k: PATH_KWARGS[k](world) for k in kwargs})


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _methods(client: Client, url: str) -> list[tuple[str, Any]]:
    return [("GET", client.get(url)), ("POST", client.post(url, {}))]


# ----------------------------------------------------------------- pages

def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    for name, route, kwargs in brand_patterns():
        if name in OPEN_PAGES:
            continue
        url = _url(world, name, route, kwargs)
        for method, resp in _methods(Client(), url):
            if resp.status_code == 405:
                continue
            assert resp.status_code == 302 and "/login/" in resp["Location"], \
                f"anonymous {method} {url} ({name}) → {resp.status_code}"


@pytest.mark.parametrize("who", ["buyer", "leader", "warehouse_staff", "operator"])
def test_other_roles_are_refused(world: World, who: str) -> None:
    c = _client(getattr(world, who))
    for name, route, kwargs in brand_patterns():
        if name in OPEN_PAGES:
            continue
        url = _url(world, name, route, kwargs)
        for method, resp in _methods(c, url):
            if resp.status_code == 405:
                continue
            assert resp.status_code == 403, f"{who} {method} {url} ({name}) → {resp.status_code}"


def test_second_brand_never_reaches_brand_a(world: World) -> None:
    for user in (world.b.admin, world.b.staff):
        c = _client(user)
        for name, route, kwargs in brand_patterns():
            if name in OPEN_PAGES:
                continue
            url = _url(world, name, route, kwargs)
            if kwargs:
                for method, resp in _methods(c, url):
                    if resp.status_code == 405:
                        continue
                    assert resp.status_code in (403, 404), \
                        f"brand B {method} {url} ({name}) → {resp.status_code}"
            else:  # B's own list pages: never A's data
                resp = c.get(url)
                if resp.status_code in (405, 403):
                    continue
                assert resp.status_code == 200, f"brand B GET {url} ({name}) → {resp.status_code}"
                html = resp.content.decode(errors="replace")  # the exports are XLSX
                for secret in (world.marker, world.sku_a.code, world.sku_a.product.name,
                               world.order_a.number, world.invitation_a.phone_masked,
                               world.key_a.prefix, "矩阵团长甲", "矩阵受邀人"):
                    assert secret not in html, f"brand B sees {secret!r} of brand A on {url}"


def test_brand_a_objects_left_untouched_by_brand_b(world: World) -> None:
    test_second_brand_never_reaches_brand_a(world)
    world.invitation_a.refresh_from_db()
    world.key_a.refresh_from_db()
    assert world.invitation_a.revoked_at is None and world.key_a.revoked_at is None
    assert world.member_a().active


def test_brand_a_reaches_its_own_pages(world: World) -> None:
    """The matrix's positive control: brand A's admin is not refused its own
    list pages (so the refusals above are about who asks)."""
    c = _client(world.a.admin)
    for name, route, kwargs in brand_patterns():
        if kwargs or name in OPEN_PAGES:
            continue
        resp = c.get(route)
        if resp.status_code == 405:
            continue
        assert resp.status_code == 200, f"brand A GET {route} ({name}) → {resp.status_code}"
    assert world.marker in c.get("/brand/").content.decode()


# ----------------------------------------------------------------- partner API

def partner_operations() -> list[tuple[str, str, list[str], list[dict]]]:
    schema = Client().get("/api/openapi.json").json()
    ops = []
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/partner/"):
            continue
        for method, op in operations.items():
            params = [p["name"] for p in op.get("parameters", []) if p.get("in") == "path"]
            ops.append((method.upper(), path, params, op.get("security") or []))
    assert ops, "no partner operations in the OpenAPI schema"
    return ops


def _api_url(world: World, path: str, params: list[str]) -> str:
    missing = [p for p in params if p not in API_PARAMS]
    assert not missing, (f"{path} has path parameters {missing} the access matrix does not "
                         f"know: register them in API_PARAMS of {__name__}")

    def value(name: str) -> str:
        if name == "number" and "/asns/" in path:  # an ASN's number, not an order's
            return str(_asn_a(world).number)
        return str(API_PARAMS[name](world))

    return re.sub(r"\{(\w+)\}", lambda m: value(m.group(1)), path)


def _call(method: str, url: str, key: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    c = Client()
    if method == "GET":
        return c.get(url, **headers)
    return c.generic(method, url, data="{}", content_type="application/json", **headers)


def _scope_of(path: str) -> str:
    """The scope a partner path needs, by its router (/api/v1/partner/<area>/…)."""
    area = path.split("/")[4]
    if path.startswith("/api/v1/partner/stock/asns"):
        return "asn"
    return {"catalog": "catalog", "grants": "grants", "stock": "stock",
            "sales": "sales"}.get(area, area)


def test_every_partner_operation_needs_a_key(world: World) -> None:
    for method, path, params, security in partner_operations():
        assert security, f"{method} {path} declares no security in the OpenAPI schema"
        url = _api_url(world, path, params)
        resp = _call(method, url, None)
        assert resp.status_code == 401, f"no key {method} {url} → {resp.status_code}"
        resp = _call(method, url, "shq_000000000000_nothing")
        assert resp.status_code == 401, f"bad key {method} {url} → {resp.status_code}"


def test_key_without_the_scope_is_403(world: World) -> None:
    from shequn.brands import apikeys

    for method, path, params, _security in partner_operations():
        if path in API_ANY_SCOPE:
            continue
        scope = _scope_of(path)
        others = [s for s in apikeys.SCOPES if s != scope]
        key = world.a.key(*others)
        url = _api_url(world, path, params)
        resp = _call(method, url, key)
        assert resp.status_code == 403 and resp.json()["code"] == "scope_missing", \
            f"key without {scope!r}: {method} {url} → {resp.status_code}"


def test_key_of_brand_b_gets_404_on_brand_a_objects(world: World) -> None:
    from shequn.brands import apikeys

    key_b = world.b.key(*apikeys.SCOPES)
    key_a = world.a.key(*apikeys.SCOPES)
    for method, path, params, _security in partner_operations():
        url = _api_url(world, path, params)
        resp = _call(method, url, key_b)
        if params:
            # A write sent with no body may be refused for the body first (422),
            # which tells nothing about A's object either.
            allowed = (404,) if method == "GET" else (404, 422)
            assert resp.status_code in allowed, f"key of B: {method} {url} → {resp.status_code}"
        else:
            assert resp.status_code < 500, f"key of B: {method} {url} → {resp.status_code}"
            if resp.status_code == 200:
                body = resp.content.decode()
                for secret in (world.order_a.number, world.sku_a.code, world.marker):
                    assert secret not in body, f"key of B sees {secret!r} on {method} {url}"
        if params and method == "GET":  # the positive control: A's own key finds it
            own = _call(method, url, key_a)
            assert own.status_code == 200, f"key of A: {method} {url} → {own.status_code}"
