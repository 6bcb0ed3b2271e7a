"""Customer binding (客户关系绑定): policies, self-binding, history, and the
effective attribution written onto the cart (decision 0002)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth.models import AnonymousUser

from shequn.checkout.models import Cart
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from shequn.distribution import applications, binding, selectors
from shequn.distribution.models import BindingChange, CustomerBinding, LeaderProfile
from tests.builders import make_buyer, make_leader, make_operator, make_user

pytestmark = pytest.mark.django_db


def _policy(settings, mode: str, **extra) -> None:
    settings.SHEQUN = {**settings.SHEQUN, "BINDING_POLICY": mode, **extra}


def _cart(user=None) -> Cart:
    return Cart.objects.create(user=user)


def _attribution(cart: Cart) -> tuple:
    cart.refresh_from_db()
    return cart.leader_id, cart.shop_id, cart.attribution_channel


def _of(p: LeaderProfile, channel: str) -> tuple:
    return p.user_id, p.shop_id, channel


def _history(buyer) -> list[tuple]:
    return list(BindingChange.objects.filter(buyer=buyer).order_by("id").values_list(
        "old_leader_id", "new_leader_id", "channel", "reason"))


@pytest.fixture
def two_leaders():
    op = make_operator()
    return make_leader(operator=op), make_leader(operator=op)


def test_first_touch_binds_and_attributes_the_cart(two_leaders):
    a, _ = two_leaders
    buyer = make_buyer()
    cart = _cart(buyer)
    out = binding.touch(buyer=buyer, leader=a.user, shop=a.shop, channel="poster", cart=cart)
    assert out.result == "bound" and out.changed
    assert _attribution(cart) == _of(a, "poster")
    assert CustomerBinding.objects.get(buyer=buyer).leader_id == a.pk
    assert _history(buyer) == [(None, a.pk, "poster", "first")]


def test_permanent_keeps_the_first_leader(settings, two_leaders):
    _policy(settings, "permanent")
    a, b = two_leaders
    buyer = make_buyer()
    cart = _cart(buyer)
    binding.touch(buyer=buyer, leader=a.user, channel="link", cart=cart)
    clock.advance(dt.timedelta(days=400))
    out = binding.touch(buyer=buyer, leader=b.user, shop=b.shop, channel="poster", cart=cart)
    assert out.result == "kept" and not out.changed
    # The cart follows the binding, not the newest link.
    assert _attribution(cart) == _of(a, "link")
    assert len(_history(buyer)) == 1


def test_days_policy_lapses_then_the_next_touch_rebinds(settings, two_leaders):
    _policy(settings, "days", BINDING_DAYS=30)
    a, b = two_leaders
    buyer = make_buyer()
    cart = _cart(buyer)
    binding.touch(buyer=buyer, leader=a.user, channel="link", cart=cart)
    clock.advance(dt.timedelta(days=29))
    assert binding.touch(buyer=buyer, leader=b.user, channel="code", cart=cart).result == "kept"
    assert _attribution(cart) == _of(a, "link")
    view = selectors.binding_of(buyer)
    assert view is not None and view.attributing and view.valid_until is not None
    clock.advance(dt.timedelta(days=2))
    # Lapsed: no longer attributing even before the next touch.
    view = selectors.binding_of(buyer)
    assert view is not None and not view.attributing
    out = binding.touch(buyer=buyer, leader=b.user, channel="code", cart=cart)
    assert out.result == "rebound"
    assert _attribution(cart) == _of(b, "code")
    assert _history(buyer) == [(None, a.pk, "link", "first"), (a.pk, b.pk, "code", "expired")]


def test_days_policy_same_leader_after_lapse_renews(settings, two_leaders):
    _policy(settings, "days", BINDING_DAYS=10)
    a, _ = two_leaders
    buyer = make_buyer()
    binding.touch(buyer=buyer, leader=a.user, channel="link")
    clock.advance(dt.timedelta(days=5))
    assert binding.touch(buyer=buyer, leader=a.user, channel="link").result == "kept"
    clock.advance(dt.timedelta(days=6))
    assert binding.touch(buyer=buyer, leader=a.user, channel="poster").result == "renewed"
    assert [h[3] for h in _history(buyer)] == ["first", "renewed"]


def test_a_lapsed_binding_does_not_attribute_at_sign_in(settings, two_leaders):
    _policy(settings, "days", BINDING_DAYS=10)
    a, _ = two_leaders
    buyer = make_buyer()
    binding.touch(buyer=buyer, leader=a.user, channel="link")
    clock.advance(dt.timedelta(days=11))
    cart = _cart(buyer)
    out = binding.on_sign_in(buyer, cart)
    assert out is not None and out.leader_id is None
    assert _attribution(cart) == (None, None, "")


def test_last_touch_waits_for_the_protection_period(settings, two_leaders):
    _policy(settings, "last_touch", BINDING_PROTECTION_DAYS=7)
    a, b = two_leaders
    buyer = make_buyer()
    cart = _cart(buyer)
    binding.touch(buyer=buyer, leader=a.user, channel="link", cart=cart)
    clock.advance(dt.timedelta(days=6, hours=23))
    assert binding.touch(buyer=buyer, leader=b.user, channel="link", cart=cart).result == "kept"
    assert _attribution(cart) == _of(a, "link")
    clock.advance(dt.timedelta(hours=2))
    assert binding.touch(buyer=buyer, leader=b.user, channel="poster",
                          cart=cart).result == "rebound"
    assert _attribution(cart) == _of(b, "poster")
    # B is now protected in turn.
    assert binding.touch(buyer=buyer, leader=a.user, channel="link", cart=cart).result == "kept"
    assert _history(buyer) == [(None, a.pk, "link", "first"),
                               (a.pk, b.pk, "poster", "last_touch")]


def test_a_leader_cannot_bind_themself(two_leaders, caplog):
    a, b = two_leaders
    cart = _cart(a.user)
    with caplog.at_level(logging.INFO, logger="shequn.distribution.binding"):
        out = binding.touch(buyer=a.user, leader=a.user, shop=a.shop, channel="link",
                             cart=cart)
    assert out.result == "refused" and out.refused == "self_binding" and not out.changed
    assert not CustomerBinding.objects.filter(buyer=a.user).exists()
    assert _history(a.user) == []
    assert _attribution(cart) == (None, None, "")
    assert "self-binding refused" in caplog.text
    # A leader may be another leader's customer; their own link never takes it.
    binding.touch(buyer=a.user, leader=b.user, channel="code", cart=cart)
    out = binding.touch(buyer=a.user, leader=a.user, channel="link", cart=cart)
    assert out.refused == "self_binding"
    assert _attribution(cart) == _of(b, "code")


def test_an_inactive_leaders_binding_stops_attributing_and_can_be_taken(settings,
                                                                         two_leaders):
    _policy(settings, "permanent")
    a, b = two_leaders
    op = make_operator()
    buyer = make_buyer()
    binding.touch(buyer=buyer, leader=a.user, channel="link")
    applications.freeze(a.pk, op, "违规")
    view = selectors.binding_of(buyer)
    assert view is not None and not view.attributing
    cart = _cart(buyer)
    assert binding.on_sign_in(buyer, cart).leader_id is None
    assert _attribution(cart) == (None, None, "")
    # A frozen leader's touch binds nobody.
    other = make_buyer()
    out = binding.touch(buyer=other, leader=a.user, channel="link", cart=_cart(other))
    assert out.refused == "not_a_leader" and not CustomerBinding.objects.filter(
        buyer=other).exists()
    out = binding.touch(buyer=buyer, leader=b.user, channel="poster", cart=cart)
    assert out.result == "rebound"
    assert _history(buyer)[-1] == (a.pk, b.pk, "poster", "leader_inactive")
    assert not selectors.is_attributing(a.user_id) and selectors.is_attributing(b.user_id)


def test_anonymous_touch_attributes_the_cart_without_binding(two_leaders):
    a, _ = two_leaders
    cart = _cart()
    out = binding.touch(buyer=AnonymousUser(), leader=a.user, channel="poster", cart=cart)
    assert out.result == "anonymous"
    assert _attribution(cart) == _of(a, "poster")
    assert CustomerBinding.objects.count() == 0


def test_sign_in_binds_from_the_anonymous_cart(two_leaders):
    a, _ = two_leaders
    cart = _cart()
    binding.touch(buyer=None, leader=a.user, channel="poster", cart=cart)
    buyer = make_buyer()
    Cart.objects.filter(pk=cart.pk).update(user=buyer)
    cart.refresh_from_db()
    out = binding.on_sign_in(buyer, cart)
    assert out is not None and out.result == "bound"
    assert _history(buyer) == [(None, a.pk, "poster", "first")]
    assert _attribution(cart) == _of(a, "poster")


def test_sign_in_overwrites_the_cart_with_the_existing_binding(settings, two_leaders):
    _policy(settings, "permanent")
    a, b = two_leaders
    buyer = make_buyer()
    binding.touch(buyer=buyer, leader=a.user, channel="code")
    cart = _cart()
    binding.touch(buyer=None, leader=b.user, channel="link", cart=cart)  # anonymous visit
    Cart.objects.filter(pk=cart.pk).update(user=buyer)
    cart.refresh_from_db()
    out = binding.on_sign_in(buyer, cart)
    assert out is not None and out.result == "kept"
    assert _attribution(cart) == _of(a, "code")


def test_a_leader_signing_in_with_their_own_anonymous_link_loses_it(two_leaders):
    a, _ = two_leaders
    cart = _cart()
    binding.touch(buyer=None, leader=a.user, channel="link", cart=cart)
    Cart.objects.filter(pk=cart.pk).update(user=a.user)
    cart.refresh_from_db()
    out = binding.on_sign_in(a.user, cart)
    assert out is not None and out.refused == "self_binding"
    assert _attribution(cart) == (None, None, "")


def test_a_leader_without_a_profile_keeps_the_share_links_attribution():
    from shequn.accounts import roles
    from shequn.shops import services as shops

    legacy = make_user()
    roles.grant(legacy, roles.LEADER)
    shop = shops.create_shop(legacy, "legacy-shop", "老店")
    buyer = make_buyer()
    cart = Cart.objects.create(user=buyer, leader=legacy, shop=shop, attribution_channel="link")
    out = binding.touch(buyer=buyer, leader=legacy, shop=shop, channel="link", cart=cart)
    assert out.refused == "not_a_leader"
    assert _attribution(cart) == (legacy.pk, shop.pk, "link")


def test_bad_input_is_refused(two_leaders):
    a, b = two_leaders
    buyer = make_buyer()
    with pytest.raises(DomainError) as exc:
        binding.touch(buyer=buyer, leader=a.user, channel="sms")
    assert exc.value.code == "invalid_channel"
    with pytest.raises(DomainError) as exc:
        binding.touch(buyer=buyer, leader=a.user, shop=b.shop, channel="link")
    assert exc.value.code == "shop_mismatch"
    assert CustomerBinding.objects.count() == 0


def test_bind_by_code(two_leaders):
    a, _ = two_leaders
    buyer = make_buyer()
    with pytest.raises(DomainError) as exc:
        binding.bind_by_code(buyer=buyer, code="ZZZZZZZZ")
    assert exc.value.code == "invalid_invite_code"
    cart = _cart(buyer)
    out = binding.bind_by_code(buyer=buyer, code=a.invite_code.lower(), cart=cart)
    assert out.result == "bound" and _attribution(cart) == _of(a, "code")


def test_someone_elses_cart_is_never_written(two_leaders):
    a, _ = two_leaders
    buyer, other = make_buyer(), make_buyer()
    cart = _cart(other)
    binding.touch(buyer=buyer, leader=a.user, channel="link", cart=cart)
    assert _attribution(cart) == (None, None, "")


def test_operator_rebind_is_audited_and_kept_in_history(two_leaders):
    a, b = two_leaders
    buyer = make_buyer()
    binding.touch(buyer=buyer, leader=a.user, channel="link")
    with pytest.raises(DomainError) as exc:
        binding.rebind_by_operator(buyer, b.pk, a.user, "抢客")
    assert exc.value.code == "not_operator"
    op = make_operator()
    binding.rebind_by_operator(buyer, b.pk, op, "客户申诉")
    assert CustomerBinding.objects.get(buyer=buyer).leader_id == b.pk
    assert _history(buyer)[-1][:2] == (a.pk, b.pk) and _history(buyer)[-1][3] == "operator"
    assert AuditLog.objects.filter(action="binding.operator_rebind", actor=op).exists()


def test_customers_of_a_leader(two_leaders):
    a, b = two_leaders
    buyers = [make_buyer() for _ in range(3)]
    for u in buyers:
        binding.touch(buyer=u, leader=a.user, channel="link")
    binding.touch(buyer=make_buyer(), leader=b.user, channel="link")
    assert {c.buyer_id for c in selectors.customers_of(a)} == {u.pk for u in buyers}


def test_rebinding_never_touches_placed_orders(settings, two_leaders):
    from tests.builders import make_buyable, place_paid_order

    _policy(settings, "last_touch", BINDING_PROTECTION_DAYS=0)
    a, b = two_leaders
    buyer = make_buyer()
    binding.touch(buyer=buyer, leader=a.user, channel="link")
    order = place_paid_order(buyer, make_buyable(), shop=a.shop)
    assert order.leader_id == a.user_id
    clock.advance(dt.timedelta(seconds=1))
    assert binding.touch(buyer=buyer, leader=b.user, channel="link").result == "rebound"
    order.refresh_from_db()
    assert (order.leader_id, order.shop_id) == (a.user_id, a.shop_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_touches_make_one_binding():
    import threading

    from django.db import connection

    op = make_operator()
    leaders = [make_leader(operator=op) for _ in range(4)]
    buyer = make_buyer()
    barrier = threading.Barrier(len(leaders))
    errors: list[Exception] = []

    def run(p: LeaderProfile) -> None:
        try:
            barrier.wait()
            binding.touch(buyer=buyer, leader=p.user, channel="link")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in leaders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert CustomerBinding.objects.filter(buyer=buyer).count() == 1
    assert [h[3] for h in _history(buyer)] == ["first"]
