"""The share link view and sign-in call the binding service (decision 0002)."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.checkout.models import Cart
from shequn.distribution.models import BindingChange, CustomerBinding
from shequn.shops.services import share_url
from tests.builders import make_buyer, make_leader, make_operator

pytestmark = pytest.mark.django_db


def _session_cart(c: Client) -> Cart:
    return Cart.objects.get(pk=c.session["cart_id"])


def test_a_signed_in_buyer_opening_a_share_link_is_bound(settings):
    settings.SHEQUN = {**settings.SHEQUN, "BINDING_POLICY": "permanent"}
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    buyer = make_buyer()
    c = Client()
    c.force_login(buyer)
    assert c.get(share_url(a.shop, None, "poster")).status_code == 302
    binding = CustomerBinding.objects.get(buyer=buyer)
    assert (binding.leader_id, binding.channel) == (a.pk, "poster")
    c.get(share_url(b.shop, None, "link"))
    cart = _session_cart(c)
    # Permanent: B's link does not take the customer; the cart follows the binding.
    assert (cart.leader_id, cart.shop_id, cart.attribution_channel) == (
        a.user_id, a.shop_id, "poster")
    assert BindingChange.objects.filter(buyer=buyer).count() == 1


def test_password_sign_in_binds_from_an_anonymous_share_visit():
    leader = make_leader()
    member = make_buyer()
    c = Client()
    c.get(share_url(leader.shop, None, "link"))
    assert not CustomerBinding.objects.exists()
    resp = c.post("/login/", {"mode": "password", "username": member.username,
                              "password": "pw-2026-x"})
    assert resp.status_code == 302
    assert CustomerBinding.objects.get(buyer=member).leader_id == leader.pk
    cart = _session_cart(c)
    assert cart.user_id == member.pk and cart.leader_id == leader.user_id


def test_phone_sign_in_through_the_api_binds():
    leader = make_leader()
    c = Client()
    c.get(share_url(leader.shop, None, "poster"))
    phone = "13700137999"
    sent = c.post("/api/v1/auth/otp/request", {"phone": phone}, content_type="application/json")
    code = sent.json()["demo_code"]
    resp = c.post("/api/v1/auth/otp/verify", {"phone": phone, "code": code},
                  content_type="application/json")
    assert resp.status_code == 200
    binding = CustomerBinding.objects.get(buyer_id=resp.json()["user_id"])
    assert (binding.leader_id, binding.channel) == (leader.pk, "poster")


def test_a_leader_opening_their_own_link_is_not_bound():
    leader = make_leader()
    c = Client()
    c.force_login(leader.user)
    c.get(share_url(leader.shop, None, "link"))
    assert not CustomerBinding.objects.exists()
    assert _session_cart(c).leader_id is None
