"""Hostile input answers a 4xx with a code (``{"code", "message", "message_en"}``)
and writes nothing — one test per kind of refusal (issue 8, "No server error on
bad input")."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from shequn.checkout.models import Cart, CartLine
from shequn.commission.models import Withdrawal
from shequn.demo import seeding as demo
from shequn.payments import selectors as payment_reads
from shequn.payments.models import PaymentNotification
from shequn.shops.models import Listing, Shop

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond 64 bits
JSON = "application/json"


def _coded(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
    body = resp.json()
    assert body["code"] and body["message"] and body["message_en"]
    if code is not None:
        assert body["code"] == code
    return body


def _signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data() -> demo.DemoData:
    return demo.seed()


# --------------------------------------------------------------------------- ids beyond 64 bits

@pytest.mark.parametrize("url", [
    f"/s/{demo.SHOP_SLUG}/p/{HUGE}/", f"/s/{demo.SHOP_SLUG}/p/{2**63}/",
    f"/leader/products/{HUGE}/toggle/", f"/ops/outbox/{HUGE}/",
])
def test_huge_ids_in_page_paths_are_not_found(data, url):
    c = _signed_in(data.operator)
    assert c.get(url).status_code == 404


def test_the_largest_64_bit_id_is_still_a_plain_not_found(data):
    assert Client().get(f"/s/{demo.SHOP_SLUG}/p/{2**63 - 1}/").status_code == 404


@pytest.mark.parametrize(("method", "url", "body"), [
    ("put", f"/api/v1/cart/items/{HUGE}", {"qty": 1}),
    ("delete", f"/api/v1/cart/items/{HUGE}", None),
    ("put", f"/api/v1/cart/items/{2**63}", {"qty": 1}),
    ("get", f"/api/v1/catalog/products/{HUGE}", None),
    ("post", "/api/v1/cart/items", {"sku_id": int(HUGE), "qty": 1}),
    ("post", "/api/v1/cart/items", {"sku_id": 1, "qty": 1, "listing_id": int(HUGE)}),
    ("get", f"/api/v1/leaders/applications?limit={HUGE}", None),
])
def test_huge_ids_in_the_api_are_refused(data, method, url, body):
    c = _signed_in(data.operator)
    kwargs = {"data": json.dumps(body), "content_type": JSON} if body is not None else {}
    _coded(getattr(c, method)(url, **kwargs), 422, "invalid_input")
    assert not CartLine.objects.exists()


# --------------------------------------------------------------------------- UUIDs

@pytest.mark.parametrize(("method", "url", "status"), [
    ("get", "/api/v1/orders?checkout=not-a-uuid", 422),
    ("get", "/api/v1/orders?checkout=123", 422),
    ("post", "/api/v1/commission/withdrawals/not-a-uuid/approve", 404),
    ("post", "/api/v1/commission/withdrawals/123/reject", 404),
    ("post", f"/api/v1/commission/withdrawals/{'f' * 41}/reject", 422),
])
def test_malformed_uuids_are_refused(data, method, url, status):
    c = _signed_in(data.operator)
    kwargs = {"data": "{\"reason\": \"x\"}", "content_type": JSON} if method == "post" else {}
    _coded(getattr(c, method)(url, **kwargs), status)
    assert not Withdrawal.objects.exists()


def test_malformed_withdrawal_id_on_the_ops_page_is_not_found(data):
    c = _signed_in(data.operator)
    assert c.post("/ops/withdrawals/not-a-uuid/approve/").status_code == 404


# --------------------------------------------------------------------------- listings

def _add(c: Client, sku_id: int, listing_id: int | None):
    return c.post("/api/v1/cart/items", {"sku_id": sku_id, "qty": 1, "listing_id": listing_id},
                  content_type=JSON)


def _other_shop(data) -> Shop:
    return Shop.objects.create(slug="other", owner=data.brand_user, name="Other", active=True)


def test_unknown_listing_is_422(data):
    sku = data.skus["KD-IF3-900"]
    _coded(_add(Client(), sku.pk, 987654321), 422, "unknown_listing")
    assert not CartLine.objects.exists()


def test_inactive_or_wrong_product_listing_is_refused(data):
    sku = data.skus["KD-IF3-900"]
    mine = Listing.objects.get(shop=data.shop, product=sku.product)
    wrong = Listing.objects.filter(shop=data.shop).exclude(product=sku.product).first()
    assert wrong is not None
    _coded(_add(Client(), sku.pk, wrong.pk), 422, "listing_not_sellable")
    Listing.objects.filter(pk=mine.pk).update(active=False)
    _coded(_add(Client(), sku.pk, mine.pk), 422, "listing_not_sellable")
    assert not CartLine.objects.exists()


def test_another_shops_listing_is_refused_on_an_attributed_cart(data):
    sku = data.skus["KD-IF3-900"]
    other = Listing.objects.create(shop=_other_shop(data), product=sku.product)
    c = Client()
    c.get("/api/v1/cart")  # the session's cart
    Cart.objects.update(shop=data.shop, leader=data.leader)  # attributed by a share link
    _coded(_add(c, sku.pk, other.pk), 422, "listing_other_shop")
    assert not CartLine.objects.exists()
    own = Listing.objects.get(shop=data.shop, product=sku.product)
    assert _add(c, sku.pk, own.pk).status_code == 200
    line = CartLine.objects.get()
    assert line.listing_id == own.pk
    cart = Cart.objects.get()
    assert (cart.shop_id, cart.leader_id) == (data.shop.pk, data.leader.pk)


def test_a_listing_never_attributes_the_cart(data):
    sku = data.skus["KD-IF3-900"]
    own = Listing.objects.get(shop=data.shop, product=sku.product)
    assert _add(Client(), sku.pk, own.pk).status_code == 200
    assert Cart.objects.get().shop_id is None


# --------------------------------------------------------------------------- amounts

@pytest.mark.parametrize("raw", [
    '{"amount": "1e9999"}', '{"amount": 1e9999}', '{"amount": "NaN"}', '{"amount": "Infinity"}',
    '{"amount": "-Infinity"}', '{"amount": "12.345"}', '{"amount": 12.345}',
    '{"amount": "12345678901.00"}', '{"amount": true}', '{"amount": "1_000"}',
])
def test_bad_amounts_are_refused_by_the_one_money_type(data, raw):
    c = _signed_in(data.leader)
    _coded(c.post("/api/v1/commission/me/withdrawals", raw, content_type=JSON), 422,
           "bad_amount")
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize("raw", ['{"amount": NaN}', '{"amount": Infinity}',
                                 '{"amount": "\\u0000"}', '{"amount": "\\ud800"}'])
def test_json_that_is_not_storable_is_malformed(data, raw):
    c = _signed_in(data.leader)
    _coded(c.post("/api/v1/commission/me/withdrawals", raw, content_type=JSON), 400,
           "malformed_json")
    assert not Withdrawal.objects.exists()


# --------------------------------------------------------------------------- nesting

DEEP = 100_000
NESTED = {
    "arrays": "[" * DEEP + "]" * DEEP,
    "objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "unclosed": "[" * DEEP,
    # Within json's own reach, beyond the parser's limit (api.parser.MAX_DEPTH).
    "arrays-500": '{"amount": ' + "[" * 500 + "]" * 500 + "}",
    "objects-500": '{"amount": ' + '{"a":' * 500 + "1" + "}" * 500 + "}",
}


@pytest.mark.parametrize("raw", NESTED.values(), ids=NESTED.keys())
def test_json_nested_too_deeply_is_malformed_not_a_server_error(data, raw):
    c = _signed_in(data.leader)
    body = _coded(c.post("/api/v1/commission/me/withdrawals", raw, content_type=JSON), 400,
                  "malformed_json")
    assert "Traceback" not in json.dumps(body)
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize("raw", NESTED.values(), ids=NESTED.keys())
def test_json_nested_too_deeply_is_malformed_for_a_partner_key(raw):
    from shequn.brands import apikeys
    from shequn.logistics.models import ASN
    from tests.builders import make_org

    _, key = apikeys.create_key(make_org(), ["asn"])
    resp = Client().post("/api/v1/partner/stock/asns", raw, content_type=JSON,
                         HTTP_AUTHORIZATION=f"Bearer {key}")
    _coded(resp, 400, "malformed_json")
    assert not ASN.objects.exists()


def test_json_nested_to_the_limit_is_still_parsed():
    from types import SimpleNamespace

    from shequn.api.parser import MAX_DEPTH, StrictJsonParser

    def parse(levels: int) -> object:
        request = SimpleNamespace(body=("[" * levels + "]" * levels).encode())
        return StrictJsonParser().parse_body(request)

    value = parse(MAX_DEPTH + 1)  # the innermost list MAX_DEPTH levels below the top
    for _ in range(MAX_DEPTH):
        (value,) = value
    assert value == []
    with pytest.raises(ValueError, match="nested"):
        parse(MAX_DEPTH + 2)


def test_every_decimal_in_the_api_schema_is_the_money_type():
    from shequn.api.root import api
    from shequn.api.schemas import MONEY_PATTERN

    schemas = api.get_openapi_schema()["components"]["schemas"]
    money = {(name, field) for name, s in schemas.items()
             for field, prop in s.get("properties", {}).items()
             for p in [prop, *prop.get("anyOf", [])] if p.get("pattern") == MONEY_PATTERN}
    assert ("WithdrawalIn", "amount") in money and ("SkuBrief", "price") in money
    # Rates and net contents are not amounts; every other decimal is Money.
    loose = {(name, field) for name, s in schemas.items()
             for field, prop in s.get("properties", {}).items()
             for p in [prop, *prop.get("anyOf", [])]
             if p.get("type") == "string" and "pattern" in p and p["pattern"] != MONEY_PATTERN
             and field not in ("vat_rate", "consumption_tax_rate", "net_content")}
    assert not loose


# --------------------------------------------------------------------------- content types

@pytest.mark.parametrize("url", ["/api/v1/checkout/place", "/api/v1/orders/X1/cancel",
                                 "/api/v1/ops/orders/X1/ship", "/api/v1/cart/items"])
@pytest.mark.parametrize("ctype", ["multipart/form-data", "multipart/form-data; charset=utf-8"])
def test_multipart_without_boundary_is_415(data, url, ctype):
    c = _signed_in(data.operator)
    _coded(c.post(url, b"--x\r\n\r\nhello", content_type=ctype), 415,
           "unsupported_media_type")


@pytest.mark.parametrize("url", ["/api/v1/checkout/place", "/api/v1/orders/X1/cancel",
                                 "/api/v1/ops/orders/X1/refund"])
def test_forms_on_json_endpoints_are_415(data, url):
    c = _signed_in(data.operator)
    _coded(c.post(url, {"identity_id": "1", "reason": "x"}), 415, "unsupported_media_type")
    _coded(c.post(url, "reason=x", content_type="application/x-www-form-urlencoded"), 415,
           "unsupported_media_type")


def test_an_empty_form_post_still_reaches_the_operation(data):
    c = _signed_in(data.operator)
    _coded(c.post("/api/v1/ops/orders/NOPE/ship"), 404)  # test client: empty multipart


# --------------------------------------------------------------------------- sizes

@pytest.mark.parametrize("url", ["/api/v1/tax/quote", "/api/v1/payments/notify",
                                 "/api/v1/cart/items", "/api/v1/auth/otp/request"])
def test_bodies_over_the_limit_are_413(settings, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"lines": [{"name": "x" * 2000}]})
    _coded(Client().post(url, body, content_type=JSON), 413, "body_too_large")
    assert not PaymentNotification.objects.exists()


# --------------------------------------------------------------------------- unknown paths

@pytest.mark.parametrize("url", ["/api/v1/nope", "/api/v2/orders", "/api/", "/api/v1/orders/x/y/z"])
def test_unknown_api_paths_are_json_404(url):
    _coded(Client().get(url), 404, "not_found")


def test_wrong_method_is_json_405():
    resp = Client().delete("/api/v1/catalog/products")
    _coded(resp, 405, "method_not_allowed")


@pytest.mark.parametrize("url", ["/api/v1/orders/A%00B", "/api/v1/catalog/products?x=%00",
                                 "/api/v1/customs/declarations?q=%00"])
def test_nul_characters_in_path_or_query_are_400(data, url):
    _coded(_signed_in(data.operator).get(url), 400, "invalid_characters")


# --------------------------------------------------------------------------- CSRF on the cart

def test_cart_api_checks_csrf(data):
    sku = data.skus["KD-IF3-900"]
    c = Client(enforce_csrf_checks=True)
    for method, url, body in [("post", "/api/v1/cart/items", {"sku_id": sku.pk, "qty": 1}),
                              ("put", f"/api/v1/cart/items/{sku.pk}", {"qty": 2}),
                              ("delete", f"/api/v1/cart/items/{sku.pk}", None)]:
        _coded(getattr(c, method)(url, json.dumps(body), content_type=JSON), 403, "forbidden")
    assert not CartLine.objects.exists()
    c.get("/")  # a page sets the CSRF cookie, as the store does
    token = c.cookies["csrftoken"].value
    ok = c.post("/api/v1/cart/items", {"sku_id": sku.pk, "qty": 1}, content_type=JSON,
                HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200 and ok.json()["count"] == 1


# --------------------------------------------------------------------------- notifications

def test_unsigned_notifications_are_counted_and_logged_not_stored(caplog):
    before = payment_reads.rejected_notification_count()
    with caplog.at_level(logging.WARNING, logger="shequn.payments"):
        for headers in ({}, {"HTTP_WECHATPAY_SIGNATURE": "x"}):
            resp = Client().post("/api/v1/payments/notify", b'{"id_number": "secret"}',
                                 content_type=JSON, **headers)
            assert resp.status_code == 401 and resp.json()["code"] == "FAIL"
    assert payment_reads.rejected_notification_count() == before + 2
    assert not PaymentNotification.objects.exists()
    assert "payment notification refused" in caplog.text and "secret" not in caplog.text


def test_refused_notifications_are_rate_limited_per_client_ip(settings):
    settings.SHEQUN = {**settings.SHEQUN, "PAYMENT_NOTIFY_REFUSALS_PER_MINUTE": 3}
    c = Client()
    codes = [c.post("/api/v1/payments/notify", b"{}", content_type=JSON,
                    REMOTE_ADDR="203.0.113.9").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert c.post("/api/v1/payments/notify", b"{}", content_type=JSON,
                  REMOTE_ADDR="203.0.113.10").status_code == 401  # another client


def test_refused_customs_receipts_are_rate_limited_per_client_ip(settings):
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_RECEIPT_REFUSALS_PER_MINUTE": 2}
    c = Client()
    codes = [c.post("/api/v1/customs/receipts", b"<x/>", content_type="application/xml",
                    HTTP_AUTHORIZATION="Bearer wrong", REMOTE_ADDR="203.0.113.9").status_code
             for _ in range(4)]
    assert codes == [401, 401, 429, 429]
    _coded(c.post("/api/v1/customs/receipts", b"<x/>", content_type="application/xml",
                  REMOTE_ADDR="203.0.113.9"), 429, "rate_limited")


# --------------------------------------------------------------------------- schema names

def test_me_schemas_have_distinct_names():
    from shequn.api.root import api

    paths = api.get_openapi_schema()["paths"]

    def ref(path: str) -> str:
        return paths[path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"]["$ref"]

    assert ref("/api/v1/auth/me").endswith("/AuthMeOut")
    assert ref("/api/v1/leaders/me").endswith("/LeaderMeOut")


@pytest.mark.parametrize("state", ["draft", "pending", "rejected"])
def test_product_not_approved_is_not_put_in_the_cart(data, state):
    """A brand's product an operator has not approved (its page is not found) was
    added by its SKU id, and the buyer's whole checkout then failed on it."""
    from shequn.catalog.models import Product

    sku = data.skus["KD-IF3-900"]
    Product.objects.filter(pk=sku.product_id).update(review_state=state)
    _coded(_add(Client(), sku.pk, None), 422, "not_sellable")
    assert Client().post("/cart/add/", {"sku_id": sku.pk, "qty": "1"}).status_code == 422
    assert not CartLine.objects.exists()


def test_every_published_schema_name_is_one_model():
    """OpenAPI components are keyed by class name: two API schemas of one name
    publish only one of them, and the other operations' bodies are then documented
    with the wrong fields (the ASN lines were published as sales lines)."""
    import importlib
    import inspect
    import pkgutil

    from ninja import Schema

    import shequn.api
    from shequn.api.root import api

    published = set(api.get_openapi_schema()["components"]["schemas"])
    models: dict[str, set[str]] = {}
    for info in pkgutil.iter_modules(shequn.api.__path__):
        module = importlib.import_module(f"shequn.api.{info.name}")
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Schema)
                    and obj.__module__ == module.__name__ and name in published):
                models.setdefault(name, set()).add(module.__name__)
    assert {n: m for n, m in models.items() if len(m) > 1} == {}


def test_asn_lines_are_published_with_their_own_fields():
    from shequn.api.root import api

    components = api.get_openapi_schema()["components"]["schemas"]
    asn = components["ASNOut"]["properties"]["lines"]["items"]["$ref"].rsplit("/", 1)[1]
    assert set(components[asn]["properties"]) == {
        "line", "sku", "lot", "expiry", "qty_expected", "counted", "damaged", "received"}
