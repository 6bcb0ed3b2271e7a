"""Commission is computed per order line when the order is paid (issue 3)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequn.checkout import cart as carts
from shequn.checkout import identities
from shequn.checkout.models import Cart
from shequn.checkout.services import place_order
from shequn.commission import services
from shequn.commission.models import Account, CommissionLine, Posting
from shequn.core import outbox
from shequn.core.models import OutboxEvent
from shequn.orders import services as order_services
from shequn.orders.models import Order, OrderLine
from tests.builders import (
    leader_and_shop,
    make_buyable,
    make_buyer,
    make_org,
    make_product,
    make_sku,
    make_stock,
    make_warehouse,
    paid_order,
    pay,
    place_order_for,
    resident_id,
)

pytestmark = pytest.mark.django_db


def test_paid_order_accrues_pending_commission_per_line(leader, sku, default_plan):
    user, shop = leader
    order = paid_order(shop, sku, qty=2)
    lines = list(CommissionLine.objects.filter(order=order))
    assert len(lines) == 1
    line = lines[0]
    ol = OrderLine.objects.get(order=order)
    assert line.state == "pending" and line.leader_id == user.pk
    assert line.base == ol.goods_value
    assert line.amount == (ol.goods_value * Decimal("0.10")).quantize(Decimal("0.01"))
    assert line.plan_id == default_plan.pk
    legs = list(Posting.objects.filter(commission_line=line).order_by("seq"))
    assert [(p.account, p.amount) for p in legs] == [
        (Account.EXPENSE, line.amount), (Account.PENDING, -line.amount)]


def test_no_leader_no_commission(sku, default_plan):
    order = paid_order(None, sku)
    assert not CommissionLine.objects.filter(order=order).exists()


def test_leader_never_earns_on_own_purchase(leader, sku, default_plan):
    user, shop = leader
    order = paid_order(shop, sku, buyer=user)
    assert order.leader_id == order.user_id == user.pk
    assert not CommissionLine.objects.filter(order=order).exists()


def test_no_plan_no_commission(leader, sku):
    order = paid_order(leader[1], sku)
    assert not CommissionLine.objects.filter(order=order).exists()


def test_duplicate_and_replayed_events_accrue_once(leader, sku, default_plan):
    order = paid_order(leader[1], sku)
    services.accrue_order(order.pk)
    services.accrue_order(str(order.pk))
    evt = OutboxEvent.objects.get(topic="order.paid", aggregate_id=str(order.pk))
    OutboxEvent.objects.filter(pk=evt.pk).update(processed_at=None)
    outbox.drain()
    assert CommissionLine.objects.filter(order=order).count() == 1
    assert Posting.objects.filter(commission_line__order=order).count() == 2


def test_late_paid_event_after_refund_accrues_nothing(leader, sku, default_plan):
    order = pay(place_order_for(make_buyer(), sku, shop=leader[1]))
    # The refund lands before the worker handles "order.paid" (reordering).
    order_services.mark_refunded(order.pk, reason="退款 test")
    outbox.drain()
    assert not CommissionLine.objects.filter(order=order).exists()


def _multi_line_order(leader_user, shop, prices: list[str]) -> Order:
    seller, wh = make_org("ebc"), make_warehouse("bonded")
    skus = [make_sku(product=make_product(seller=seller), price=p) for p in prices]
    for s in skus:
        make_stock(wh, s, 20)
    buyer = make_buyer()
    ident = identities.add_identity(buyer, "李四", resident_id("110105", "19850612", "004"),
                                    "13912345679")
    addr = identities.add_address(buyer, "李四", "13912345679", "浙江省", "杭州市", "西湖区",
                                  "330106", "文三路 1 号")
    cart = Cart.objects.create(user=buyer, shop=shop, leader=leader_user,
                               attribution_channel="link")
    for s in skus:
        carts.add_item(cart, s.pk, 1)
    (order,) = place_order(user=buyer, cart=cart, identity_id=ident.pk, address_id=addr.pk,
                           expected_version=None)
    return pay(order)


def test_accrual_takes_three_statements_per_order_whatever_its_lines(leader, default_plan):
    """Order row lock (so a concurrent refund is never missed), the lines, the
    postings; a duplicate costs the lock and one statement. None of these run in
    the payment's transaction (accrual is an outbox handler)."""
    order = _multi_line_order(leader[0], leader[1], ["10.00", "20.00", "30.00", "40.00"])
    assert order.lines.count() == 4
    with CaptureQueriesContext(connection) as ctx:
        services.accrue_order(order.pk)
    statements = [q["sql"] for q in ctx.captured_queries
                  if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert len(statements) <= 3, statements
    assert CommissionLine.objects.filter(order=order).count() == 4
    assert Posting.objects.filter(commission_line__order=order).count() == 8
    # A duplicate costs two statements and changes nothing.
    with CaptureQueriesContext(connection) as ctx:
        services.accrue_order(order.pk)
    assert len([q for q in ctx.captured_queries
                if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]) == 2
    assert Posting.objects.filter(commission_line__order=order).count() == 8


def test_plan_precedence_product_beats_category_beats_default(operator, leader, default_plan):
    from shequn.catalog.models import Category

    cat = Category.objects.create(name="护肤", slug="skin")
    by_product = make_buyable(price="100.00", stock=10)
    by_category = make_buyable(price="100.00", stock=10)
    by_default = make_buyable(price="100.00", stock=10)
    for s in (by_product, by_category):
        s.product.category = cat
        s.product.save()
    services.create_plan(operator, scope="category", kind="rate", rate="0.05", category=cat)
    services.create_plan(operator, scope="product", kind="fixed", fixed_amount="7.00",
                         product=by_product.product)
    got = {}
    for s in (by_product, by_category, by_default):
        order = paid_order(leader[1], s, qty=2)
        got[s.pk] = CommissionLine.objects.get(order=order)
    assert got[by_product.pk].kind == "fixed"
    assert got[by_product.pk].amount == Decimal("14.00")  # 7.00 × 2
    assert got[by_category.pk].amount == (got[by_category.pk].base * Decimal("0.05")
                                          ).quantize(Decimal("0.01"))
    assert got[by_default.pk].plan_id == default_plan.pk


def test_fixed_amount_is_capped_at_the_base(operator, leader):
    cheap = make_buyable(price="5.00", stock=10)
    services.create_plan(operator, scope="product", kind="fixed", fixed_amount="9.00",
                         product=cheap.product)
    order = paid_order(leader[1], cheap)
    line = CommissionLine.objects.get(order=order)
    assert line.amount == line.base == OrderLine.objects.get(order=order).goods_value


def test_base_excludes_tax_for_tax_inclusive_lines(leader, default_plan):
    included = make_buyable(price="298.00", stock=10, price_includes_tax=True)
    order = paid_order(leader[1], included)
    ol = OrderLine.objects.get(order=order)
    line = CommissionLine.objects.get(order=order)
    assert ol.goods_value < ol.total_price  # 包税: the tax is inside the price
    assert line.base == ol.goods_value


def test_base_subtracts_the_lines_share_of_the_order_discount(leader, default_plan, sku):
    order = place_order_for(make_buyer(), sku, qty=3, shop=leader[1])
    Order.objects.filter(pk=order.pk).update(discount=Decimal("30.00"))
    pay(order)
    outbox.drain()
    line = CommissionLine.objects.get(order=order)
    ol = OrderLine.objects.get(order=order)
    assert line.base == ol.goods_value - Decimal("30.00")  # the only line takes it all
    assert line.amount == (line.base * Decimal("0.10")).quantize(Decimal("0.01"))


def test_half_up_rounding(operator, leader):
    odd = make_buyable(price="10.10", stock=10)
    services.create_plan(operator, scope="product", kind="rate", rate="0.05",
                         product=odd.product)
    order = paid_order(leader[1], odd)
    line = CommissionLine.objects.get(order=order)
    exact = line.base * Decimal("0.05")
    assert line.amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_second_leader_gets_own_sales_only(leader, sku, default_plan):
    other, other_shop = leader_and_shop()
    a = paid_order(leader[1], sku)
    b = paid_order(other_shop, sku)
    assert CommissionLine.objects.get(order=a).leader_id == leader[0].pk
    assert CommissionLine.objects.get(order=b).leader_id == other.pk


def _profile(user, inviter=None):
    from shequn.core import clock
    from shequn.distribution.models import LeaderProfile

    existing = LeaderProfile.objects.filter(user=user).first()
    if existing is not None:  # make_leader approved them already: set the inviter
        LeaderProfile.objects.filter(pk=existing.pk).update(inviter=inviter,
                                                            depth=1 if inviter else 0)
        existing.refresh_from_db()
        return existing
    return LeaderProfile.objects.create(
        user=user, status="approved", real_name_enc="x", real_name_masked="王*",
        phone_enc="x", phone_hash=f"h{user.pk}", phone_masked="139****0000", region="杭州",
        applied_at=clock.now(), status_changed_at=clock.now(), inviter=inviter,
        depth=1 if inviter else 0)


def test_inviter_earns_nothing_under_the_default_policy(leader, sku, default_plan):
    inviter, _ = leader_and_shop()
    invitee, invitee_shop = leader
    _profile(invitee, _profile(inviter))
    order = paid_order(invitee_shop, sku)
    assert [(c.leader_id, c.level) for c in CommissionLine.objects.filter(order=order)] == [
        (invitee.pk, 1)]


def test_two_level_plan_pays_inviter_only_after_an_audited_jurisdiction_switch(
        operator, leader, sku, default_plan):
    inviter, _ = leader_and_shop()
    invitee, invitee_shop = leader
    _profile(invitee, _profile(inviter))
    services.set_jurisdiction(operator, "SG", 2, "新加坡站点，法务意见书 2026-11")
    services.create_plan(operator, scope="default", kind="rate", rate="0.02", level=2)
    order = paid_order(invitee_shop, sku, qty=2)
    got = {(c.leader_id, c.level): c.amount for c in CommissionLine.objects.filter(order=order)}
    assert got == {(invitee.pk, 1): Decimal("59.60"), (inviter.pk, 2): Decimal("11.92")}
    assert Posting.objects.filter(commission_line__order=order).count() == 4
    # Back to the mainland-China policy: the level-2 plan is off, nothing more upline.
    services.set_jurisdiction(operator, "CN", 1, "回到中国大陆规则")
    later = paid_order(invitee_shop, sku)
    assert [c.level for c in CommissionLine.objects.filter(order=later)] == [1]


def test_a_leader_who_never_applied_earns_nothing(sku, default_plan):
    """Commission is paid to a known person (the tax report names them): a user
    given the leader role by hand, without an approved application, earns none."""
    from shequn.accounts import roles
    from shequn.accounts.models import User
    from shequn.shops.models import Shop

    user = User.objects.create_user(username="role-only", password="x-pass-2026")
    roles.grant(user, roles.LEADER)
    shop = Shop.objects.create(owner=user, slug="role-only", name="手工团长")
    order = paid_order(shop, sku)
    assert order.leader_id == user.pk  # attributed, for the record
    assert not CommissionLine.objects.filter(order=order).exists()
