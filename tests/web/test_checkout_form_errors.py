"""The checkout's identity and address forms show every field's error at once, each
beside its field, and keep what was typed (issue 9: only the first was shown)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from shequn.checkout.models import Address, BuyerIdentity
from tests.builders import make_sku, make_stock, make_warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_with_cart() -> Client:
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 10)
    client = Client()
    client.force_login(get_user_model().objects.create_user(username="form-errors"))
    assert client.post("/cart/add/", {"sku_id": sku.pk, "qty": 1}).status_code == 302
    return client


def _errors(html: str) -> dict[str, str]:
    """field name → error code, read from each field's label."""
    found = {}
    for label in re.findall(r'<label class="field has-error">.*?</label>', html, re.S):
        name = re.search(r'<input name="(\w+)"', label)
        code = re.search(r'class="field-error" data-code="(\w+)"', label)
        assert name and code, label
        found[name.group(1)] = code.group(1)
    return found


def test_every_identity_error_shows_beside_its_field(client_with_cart: Client) -> None:
    r = client_with_cart.post("/checkout/", {"action": "add_identity", "name": "x",
                                             "id_number": "123", "phone": "12"})
    assert r.status_code == 422
    html = r.content.decode()
    assert _errors(html) == {"name": "invalid_name", "id_number": "invalid_id_number",
                             "phone": "invalid_phone"}
    assert 'value="123"' in html  # what was typed stays
    assert not BuyerIdentity.objects.exists()


def test_one_bad_identity_field_shows_one_error(client_with_cart: Client) -> None:
    r = client_with_cart.post("/checkout/", {"action": "add_identity", "name": "张三",
                                             "id_number": "123", "phone": "13800138000"})
    assert r.status_code == 422
    assert _errors(r.content.decode()) == {"id_number": "invalid_id_number"}


def test_every_address_error_shows_beside_its_field(client_with_cart: Client) -> None:
    r = client_with_cart.post("/checkout/", {
        "action": "add_address", "consignee": "1", "phone": "13800138000", "province": "",
        "city": "杭州市", "district": "西湖区", "district_code": "12", "detail": "<b>"})
    assert r.status_code == 422
    assert _errors(r.content.decode()) == {
        "consignee": "invalid_name", "province": "invalid_address",
        "district_code": "invalid_district_code", "detail": "invalid_address"}
    assert not Address.objects.exists()


def test_a_good_address_is_saved(client_with_cart: Client) -> None:
    r = client_with_cart.post("/checkout/", {
        "action": "add_address", "consignee": "张三", "phone": "13800138000",
        "province": "浙江省", "city": "杭州市", "district": "西湖区", "district_code": "330106",
        "detail": "文三路 100 号"})
    assert r.status_code == 302 and Address.objects.count() == 1
