"""Review fixes (issue 3): bindings cannot be deleted in the admin, binding
loops are refused, and an operator rebind moves the buyer's cart too."""

from __future__ import annotations

import logging

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from shequn.accounts.models import User
from shequn.checkout.models import Cart
from shequn.core.errors import DomainError
from shequn.distribution import applications
from shequn.distribution import binding as bindings
from shequn.distribution.errors import DistributionError
from shequn.distribution.models import BindingChange, CustomerBinding
from tests.distribution.conftest import make_leader, make_member, make_operator

pytestmark = pytest.mark.django_db


def _superuser() -> User:
    return User.objects.create_superuser("root", password="root-pass-2026")


def test_admin_refuses_to_delete_a_customer_binding():
    a = make_leader()
    buyer = make_member("buyer")
    bindings.touch(buyer=buyer, leader=a.user, channel="link")
    binding = CustomerBinding.objects.get(buyer=buyer)
    admin_user = _superuser()
    model_admin = site._registry[CustomerBinding]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert model_admin.has_delete_permission(request, binding) is False
    c = Client()
    c.force_login(admin_user)
    url = f"/admin/distribution/customerbinding/{binding.pk}/delete/"
    assert c.post(url, {"post": "yes"}).status_code == 403
    assert CustomerBinding.objects.filter(pk=binding.pk).exists()


def test_error_code_has_both_languages():
    err = DistributionError.BINDING_LOOP.error()
    assert err.code == "binding_loop" and err.message and err.message_en
    assert err.message != err.message_en


def test_a_leaders_customer_cannot_become_their_customer_back(caplog):
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    assert bindings.touch(buyer=a.user, leader=b.user, channel="link").result == "bound"
    cart = Cart.objects.create(user=b.user)
    history = BindingChange.objects.count()
    with caplog.at_level(logging.INFO, logger="shequn.distribution.binding"):
        out = bindings.touch(buyer=b.user, leader=a.user, channel="poster", cart=cart)
    assert out.result == "refused" and out.refused == DistributionError.BINDING_LOOP
    assert not CustomerBinding.objects.filter(buyer=b.user).exists()
    assert BindingChange.objects.count() == history
    assert CustomerBinding.objects.get(buyer=a.user).leader_id == b.pk
    cart.refresh_from_db()
    assert cart.leader_id is None and cart.shop_id is None
    assert "binding loop refused" in caplog.text


def test_binding_loop_by_invite_code_is_refused():
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    bindings.touch(buyer=a.user, leader=b.user, channel="link")
    out = bindings.bind_by_code(buyer=b.user, code=a.invite_code or "")
    assert out.result == "refused" and out.refused == DistributionError.BINDING_LOOP
    assert not CustomerBinding.objects.filter(buyer=b.user).exists()


def test_binding_loop_by_operator_is_refused():
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    bindings.touch(buyer=a.user, leader=b.user, channel="link")
    with pytest.raises(DomainError) as exc:
        bindings.rebind_by_operator(b.user, a.pk, op, "客户申诉")
    assert exc.value.code == "binding_loop"
    assert not CustomerBinding.objects.filter(buyer=b.user).exists()


def test_unrelated_bindings_between_leaders_still_work():
    op = make_operator()
    a, b, c = (make_leader(operator=op) for _ in range(3))
    # A leader may be a customer of another leader; chains are not loops.
    assert bindings.touch(buyer=a.user, leader=b.user, channel="link").result == "bound"
    assert bindings.touch(buyer=b.user, leader=c.user, channel="link").result == "bound"
    assert bindings.touch(buyer=c.user, leader=b.user, channel="link").result == "refused"
    buyer = make_member("buyer")
    assert bindings.touch(buyer=buyer, leader=a.user, channel="link").result == "bound"
    assert CustomerBinding.objects.get(buyer=b.user).leader_id == c.pk


def test_a_terminated_leaders_old_customer_is_not_a_loop():
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    bindings.touch(buyer=a.user, leader=b.user, channel="link")
    applications.terminate(b.pk, op, "解约")
    out = bindings.touch(buyer=b.user, leader=a.user, channel="link")
    assert out.result == "bound"


def test_operator_rebind_moves_the_buyers_carts():
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    buyer = make_member("buyer")
    cart = Cart.objects.create(user=buyer)
    other_cart = Cart.objects.create(user=make_member("buyer"))
    bindings.touch(buyer=buyer, leader=a.user, channel="poster", cart=cart)
    cart.refresh_from_db()
    assert (cart.leader_id, cart.shop_id) == (a.user_id, a.shop_id)
    bindings.rebind_by_operator(buyer, b.pk, op, "客户申诉")
    cart.refresh_from_db()
    binding = CustomerBinding.objects.get(buyer=buyer)
    assert (cart.leader_id, cart.shop_id) == (b.user_id, b.shop_id)
    assert cart.attribution_channel == binding.channel and cart.attributed_at is not None
    other_cart.refresh_from_db()
    assert other_cart.leader_id is None


def test_operator_first_binding_writes_the_cart():
    op = make_operator()
    b = make_leader(operator=op)
    buyer = make_member("buyer")
    cart = Cart.objects.create(user=buyer)
    bindings.rebind_by_operator(buyer, b.pk, op, "客户申诉")
    cart.refresh_from_db()
    assert (cart.leader_id, cart.shop_id, cart.attribution_channel) == (
        b.user_id, b.shop_id, "code")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_opposite_touches_at_once_cannot_make_a_loop():
    import threading

    from django.db import connection

    op = make_operator()
    pairs = [(make_leader(operator=op), make_leader(operator=op)) for _ in range(5)]
    errors: list[Exception] = []

    def run(buyer: User, leader: User, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            bindings.touch(buyer=buyer, leader=leader, channel="link")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    for a, b in pairs:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=run, args=(a.user, b.user, barrier)),
                   threading.Thread(target=run, args=(b.user, a.user, barrier))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert CustomerBinding.objects.filter(buyer__in=(a.user, b.user)).count() == 1
    assert errors == []
