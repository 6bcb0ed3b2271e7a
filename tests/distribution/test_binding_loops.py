"""Binding loops are refused: a leader cannot become their own customer's customer,
by a share link, an invite code, an operator or two touches at once; chains are fine."""

from __future__ import annotations

import logging

import pytest

from shequn.accounts.models import User
from shequn.checkout.models import Cart
from shequn.core.errors import DomainError
from shequn.distribution import applications
from shequn.distribution import binding as bindings
from shequn.distribution.errors import DistributionError
from shequn.distribution.models import BindingChange, CustomerBinding
from tests.builders import make_buyer, make_leader, make_operator

pytestmark = pytest.mark.django_db


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
    buyer = make_buyer()
    assert bindings.touch(buyer=buyer, leader=a.user, channel="link").result == "bound"
    assert CustomerBinding.objects.get(buyer=b.user).leader_id == c.pk


def test_a_terminated_leaders_old_customer_is_not_a_loop():
    op = make_operator()
    a, b = make_leader(operator=op), make_leader(operator=op)
    bindings.touch(buyer=a.user, leader=b.user, channel="link")
    applications.terminate(b.pk, op, "解约")
    out = bindings.touch(buyer=b.user, leader=a.user, channel="link")
    assert out.result == "bound"


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
