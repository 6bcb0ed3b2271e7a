"""A whole purchase through the API v1 alone: sign in by phone code, cart,
real name, address, quote, place, provider notification, order status."""

from __future__ import annotations

import pytest

from shequn.demo import seeding as demo
from shequn.payments.models import Payment
from shequn.payments.provider import get_provider
from tests.builders import resident_id

pytestmark = pytest.mark.django_db

PHONE = "13700137000"


def _json(client, method, url, body=None):
    return getattr(client, method)(url, data=body, content_type="application/json")


def test_buy_through_the_api(client):
    data = demo.seed()
    sku = data.skus["KD-IF3-900"]

    sent = _json(client, "post", "/api/v1/auth/otp/request", {"phone": PHONE})
    assert sent.status_code == 202
    code = sent.json()["demo_code"]
    assert _json(client, "post", "/api/v1/auth/otp/verify",
                 {"phone": PHONE, "code": code}).status_code == 200

    cart = _json(client, "post", "/api/v1/cart/items", {"sku_id": sku.pk, "qty": 2}).json()
    assert cart["count"] == 2 and cart["goods_total"] == "596.00"

    id_number = resident_id(seq=555)
    ident = _json(client, "post", "/api/v1/me/identities",
                  {"name": "王五", "id_number": id_number, "phone": PHONE})
    assert ident.status_code == 201
    assert id_number not in ident.content.decode()  # masked on the way out
    addr = _json(client, "post", "/api/v1/me/addresses", {
        "consignee": "王五", "phone": PHONE, "province": "上海市", "city": "上海市",
        "district": "浦东新区", "district_code": "310115", "detail": "世纪大道 1 号"})
    assert addr.status_code == 201

    quote = _json(client, "post", "/api/v1/checkout/quote",
                  {"identity_id": ident.json()["id"]}).json()
    assert quote["tax_total"] == "54.24"  # 2 × 298 at 9.1 %
    assert quote["payable_total"] == "650.24"

    placed = _json(client, "post", "/api/v1/checkout/place", {
        "identity_id": ident.json()["id"], "address_id": addr.json()["id"],
        "cart_version": cart["version"]})
    assert placed.status_code == 201, placed.content
    [order] = placed.json()["orders"]
    assert order["state"] == "pending_payment" and order["actual_paid"] == "650.24"

    payment = Payment.objects.get(order__number=order["number"])
    note = get_provider().success_notification(out_trade_no=payment.out_trade_no,
                                               amount=payment.amount, payer_name="王五",
                                               payer_id_number=id_number)
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in note.headers.items()}
    for _ in range(3):
        assert client.post("/api/v1/payments/notify", data=note.body,
                           content_type="application/json", **headers).status_code == 204

    status = client.get(f"/api/v1/orders/{order['number']}").json()
    assert status["state"] == "paid"
    assert [s["state"] for s in status["timeline"] if s["done"]] == ["pending_payment", "paid"]
    assert status["buyer_id"] != id_number


def test_placing_with_a_stale_cart_version_is_409(client):
    data = demo.seed()
    sku = data.skus["KD-IF3-900"]
    code = _json(client, "post", "/api/v1/auth/otp/request", {"phone": PHONE}).json()["demo_code"]
    _json(client, "post", "/api/v1/auth/otp/verify", {"phone": PHONE, "code": code})
    cart = _json(client, "post", "/api/v1/cart/items", {"sku_id": sku.pk, "qty": 1}).json()
    ident = _json(client, "post", "/api/v1/me/identities",
                  {"name": "王五", "id_number": resident_id(seq=556), "phone": PHONE}).json()
    addr = _json(client, "post", "/api/v1/me/addresses", {
        "consignee": "王五", "phone": PHONE, "province": "上海市", "city": "上海市",
        "district": "浦东新区", "district_code": "310115", "detail": "世纪大道 1 号"}).json()
    _json(client, "post", "/api/v1/cart/items", {"sku_id": sku.pk, "qty": 1})
    response = _json(client, "post", "/api/v1/checkout/place", {
        "identity_id": ident["id"], "address_id": addr["id"], "cart_version": cart["version"]})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_cart"


@pytest.mark.parametrize("body, code, status", [
    ("{bad", "malformed_json", 400),
    ('{"sku_id": 999999, "qty": 1}', "unknown_sku", 422),
    ('{"sku_id": 1, "qty": "abc"}', "invalid_input", 422),
    ('{"sku_id": 1, "qty": 0}', "invalid_qty", 422),
])
def test_bad_cart_input_gets_a_coded_error(client, body, code, status):
    demo.seed()
    response = client.post("/api/v1/cart/items", data=body, content_type="application/json")
    assert response.status_code == status
    payload = response.json()
    assert payload["code"] == code and payload["message"] and payload["message_en"]


def test_html_in_identity_name_is_refused(client):
    code = _json(client, "post", "/api/v1/auth/otp/request", {"phone": PHONE}).json()["demo_code"]
    _json(client, "post", "/api/v1/auth/otp/verify", {"phone": PHONE, "code": code})
    response = _json(client, "post", "/api/v1/me/identities", {
        "name": "<script>alert(1)</script>", "id_number": resident_id(seq=557), "phone": PHONE})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_name"


def test_signed_out_checkout_is_401(client):
    response = _json(client, "post", "/api/v1/checkout/quote", {})
    assert response.status_code == 401
    assert response.json()["code"] == "auth_required"


def test_openapi_lists_the_purchase_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["/api/v1/catalog/products", "/api/v1/cart", "/api/v1/checkout/quote",
                 "/api/v1/checkout/place", "/api/v1/orders/{number}", "/api/v1/tax/quote",
                 "/api/v1/payments/notify", "/api/v1/me/identities"]:
        assert path in paths, path
