"""The cart's hot path: the session is written only when the cart changes
identity, the API looks the cart up once per request, and every change bumps
the version in the change's own transaction (placement's stale-cart check)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shequn.checkout import cart as carts
from shequn.checkout.models import Cart, CartLine
from shequn.core.errors import DomainError
from shequn.demo import seeding as demo
from shequn.orders.models import Order
from shequn.payments import services as payments
from shequn.payments.models import Payment
from tests.builders import make_buyable, make_buyer, resident_id

pytestmark = pytest.mark.django_db


class _Session(dict):
    """A session that records writes, like SessionBase.modified."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.writes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        super().__setitem__(key, value)


def test_session_written_only_when_the_cart_changes():
    user = make_buyer()
    session = _Session()
    cart = carts.cart_for_session(session, user)
    assert session.writes == 1 and session[carts.SESSION_KEY] == str(cart.pk)
    assert carts.cart_for_session(session, user).pk == cart.pk
    assert carts.cart_for_session(session, user).pk == cart.pk
    assert session.writes == 1
    # Another user's cart in the session is never adopted: the key moves.
    other = _Session({carts.SESSION_KEY: str(cart.pk)})
    mine = carts.cart_for_session(other, make_buyer())
    assert mine.pk != cart.pk and other[carts.SESSION_KEY] == str(mine.pk)
    assert other.writes == 1


def test_every_change_bumps_the_version_and_a_refused_change_does_not():
    user = make_buyer()
    sku = make_buyable("10.00", 5)
    cart = carts.cart_for_session(_Session(), user)
    assert cart.version == 0
    carts.add_item(cart, sku.pk, 1)
    assert cart.version == 1 == Cart.objects.get(pk=cart.pk).version
    carts.add_item(cart, sku.pk, 2)
    assert cart.version == 2 and CartLine.objects.get(cart=cart).qty == 3
    carts.set_qty(cart, sku.pk, 1)
    assert cart.version == 3 == Cart.objects.get(pk=cart.pk).version
    with pytest.raises(DomainError) as refused:
        carts.set_qty(cart, sku.pk + 999, 1)
    assert refused.value.code == "unknown_sku"
    assert Cart.objects.get(pk=cart.pk).version == 3  # rolled back with the refusal
    carts.remove_item(cart, sku.pk)
    assert cart.version == 4 and not CartLine.objects.filter(cart=cart).exists()
    carts.clear(cart)
    assert cart.version == 5 == Cart.objects.get(pk=cart.pk).version


def test_a_change_to_a_deleted_cart_is_refused():
    cart = carts.cart_for_session(_Session(), make_buyer())
    sku = make_buyable("10.00", 5)
    Cart.objects.filter(pk=cart.pk).delete()
    with pytest.raises(DomainError) as refused, transaction.atomic():
        carts.add_item(cart, sku.pk, 1)
    assert refused.value.code == "stale_cart"


def _signed_in(client):
    data = demo.seed()
    phone = "13700137011"
    sent = client.post("/api/v1/auth/otp/request", data={"phone": phone},
                       content_type="application/json")
    client.post("/api/v1/auth/otp/verify", data={"phone": phone,
                                                 "code": sent.json()["demo_code"]},
                content_type="application/json")
    return data


def test_cart_add_looks_the_cart_up_once_and_returns_the_new_version(client):
    data = _signed_in(client)
    sku = data.skus["KD-IF3-900"]
    first = client.post("/api/v1/cart/items", data={"sku_id": sku.pk, "qty": 1},
                        content_type="application/json").json()
    with CaptureQueriesContext(connection) as ctx:
        second = client.post("/api/v1/cart/items", data={"sku_id": sku.pk, "qty": 2},
                             content_type="application/json")
    assert second.status_code == 200
    body = second.json()
    assert body["version"] == first["version"] + 1 == Cart.objects.get(pk=body["id"]).version
    assert body["count"] == 3
    sql = [q["sql"] for q in ctx.captured_queries]
    cart_reads = [s for s in sql if s.startswith("SELECT") and 'FROM "checkout_cart" ' in s]
    assert len(cart_reads) == 1, sql
    assert not [s for s in sql if 'SELECT "checkout_cart"."id", "checkout_cart"."version"' in s]
    # The cart id was already in the session: nothing to write back for it.
    assert not [s for s in sql if s.startswith("UPDATE") and "django_session" in s], sql


def _placed_through_the_api(client):
    data = _signed_in(client)
    sku = data.skus["KD-IF3-900"]
    cart = client.post("/api/v1/cart/items", data={"sku_id": sku.pk, "qty": 1},
                       content_type="application/json").json()
    ident = client.post("/api/v1/me/identities", content_type="application/json", data={
        "name": "王五", "id_number": resident_id(seq=556), "phone": "13700137011"}).json()
    addr = client.post("/api/v1/me/addresses", content_type="application/json", data={
        "consignee": "王五", "phone": "13700137011", "province": "上海市", "city": "上海市",
        "district": "浦东新区", "district_code": "310115", "detail": "世纪大道 1 号"}).json()
    with CaptureQueriesContext(connection) as ctx:
        placed = client.post("/api/v1/checkout/place", content_type="application/json", data={
            "identity_id": ident["id"], "address_id": addr["id"],
            "cart_version": cart["version"]})
    return placed, [q["sql"] for q in ctx.captured_queries]


def test_place_creates_the_payment_in_its_own_transaction(client):
    placed, sql = _placed_through_the_api(client)
    assert placed.status_code == 201, placed.content
    body = placed.json()
    [ref] = body["orders"]
    payment = Payment.objects.get(order__number=ref["number"])
    assert payment.state == Payment.State.CREATED
    assert str(payment.amount) == ref["actual_paid"]
    assert body["pay_url"] == f"/paysim/{body['checkout_id']}/"
    # No second transaction locking the orders to create the payment.
    assert not [s for s in sql if 'FROM "orders_order"' in s and s.startswith("SELECT")], sql
    # The pay page's retry reuses the payment instead of making another.
    order = Order.objects.get(number=ref["number"])
    assert payments.start_payment(order.user, order.checkout_id) == body["pay_url"]
    assert Payment.objects.filter(order=order).count() == 1


def test_a_failing_payment_row_rolls_the_placement_back(client, monkeypatch):
    def boom(orders):
        raise RuntimeError("payment row refused")

    monkeypatch.setattr(payments, "create_payments", boom)
    with pytest.raises(RuntimeError):
        _placed_through_the_api(client)
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert CartLine.objects.count() == 1  # the cart is still there to place again


@pytest.mark.django_db(transaction=True)
def test_create_payments_refuses_outside_a_transaction():
    with pytest.raises(RuntimeError):
        payments.create_payments([])
