"""After-sales: completion after the window, returns with partial quantities,
refunds through the provider, quota given back, events for commission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from shequn.checkout.services import place_order
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog, OutboxEvent
from shequn.orders import returns, services
from shequn.orders.models import AfterSale, Order
from shequn.payments import services as payments
from shequn.payments.models import Refund
from shequn.quota.models import QuotaAccount
from tests.builders import cart_with, make_buyable, make_buyer_with_identity, run_events

pytestmark = pytest.mark.django_db
S = Order.State


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def _delivered(operator, qty=3, price="120.00"):
    buyer = make_buyer_with_identity()
    sku = make_buyable(price, 10)
    cart = cart_with(buyer.user, (sku, qty))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    payments.start_payment(buyer.user, order.checkout_id)
    payments.simulate_payment(buyer.user, order.checkout_id)
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)
    order.refresh_from_db()
    return buyer, order


def test_order_completes_only_after_the_window(operator):
    _, order = _delivered(operator)
    assert returns.complete_due() == 0
    clock.advance(dt.timedelta(days=7) - dt.timedelta(minutes=1))
    assert returns.complete_due() == 0
    clock.advance(dt.timedelta(minutes=2))
    assert returns.complete_due() == 1
    order.refresh_from_db()
    assert order.state == S.COMPLETED and order.completed_at is not None
    assert returns.complete_due() == 0  # idempotent
    completed = OutboxEvent.objects.filter(topic="order.completed", aggregate_id=str(order.pk))
    assert completed.count() == 1


def test_open_return_request_holds_completion(operator):
    buyer, order = _delivered(operator)
    line = order.lines.get()
    returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "尺寸不合适")
    clock.advance(dt.timedelta(days=8))
    assert returns.complete_due() == 0
    assert Order.objects.get(pk=order.pk).state == S.DELIVERED


def test_partial_return_refunds_goods_and_tax_pro_rata_and_gives_quota_back(operator):
    buyer, order = _delivered(operator, qty=3)
    line = order.lines.get()
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    used_before = account.used
    after_sale = returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "不想要了")
    assert after_sale.goods_refund == (line.goods_value / 3).quantize(Decimal("0.01"))
    assert after_sale.tax_refund == (line.tax / 3).quantize(Decimal("0.01"))
    returns.decide_return(operator, after_sale.pk, approve=True, note="ok")
    run_events()  # customs clears the return, payments refunds it
    after_sale.refresh_from_db()
    assert after_sale.state == AfterSale.State.REFUNDED
    refund = Refund.objects.get(payment__order=order, reason__contains="return")
    assert refund.amount == after_sale.amount
    order.refresh_from_db()
    assert order.refunded_total == after_sale.amount
    account.refresh_from_db()
    taxable_share = (line.taxable_price / 3).quantize(Decimal("0.01"))
    assert account.used == used_before - taxable_share
    event = OutboxEvent.objects.get(topic="order.returned", aggregate_id=str(order.pk))
    assert event.payload["lines"] == [{"line_id": str(line.pk), "qty": 1,
                                       "goods_refund": str(after_sale.goods_refund)}]
    # A duplicate approval event refunds nothing more.
    assert payments.refund_return(after_sale.pk) is None
    assert Refund.objects.filter(payment__order=order).count() == 1
    assert AuditLog.objects.filter(action="order.return_approve").count() == 1


def test_cannot_return_more_than_bought_or_someone_elses_order(operator):
    buyer, order = _delivered(operator, qty=2)
    line = order.lines.get()
    other = make_buyer_with_identity(name="李四")
    with pytest.raises(DomainError) as exc:
        returns.request_return(other.user, order.pk, [(line.pk, 1)], "x")
    assert exc.value.code == "order_not_found"
    with pytest.raises(DomainError) as exc:
        returns.request_return(buyer.user, order.pk, [(line.pk, 3)], "x")
    assert exc.value.code == "bad_return_lines"
    for bad in ([(line.pk, 0)], [(line.pk, -1)], [(999999, 1)], [("x", 1)], []):
        with pytest.raises(DomainError):
            returns.request_return(buyer.user, order.pk, bad, "x")
    returns.request_return(buyer.user, order.pk, [(line.pk, 2)], "x")
    with pytest.raises(DomainError) as exc:  # already asked for both units
        returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "x")
    assert exc.value.code == "bad_return_lines"
    assert AfterSale.objects.count() == 1


def test_rejected_request_frees_the_quantity_and_completion(operator):
    buyer, order = _delivered(operator, qty=1)
    line = order.lines.get()
    after_sale = returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "x")
    with pytest.raises(DomainError) as exc:
        returns.decide_return(buyer.user, after_sale.pk, approve=False)
    assert exc.value.code == "not_operator"
    returns.decide_return(operator, after_sale.pk, approve=False, note="已使用")
    with pytest.raises(DomainError) as exc:
        returns.decide_return(operator, after_sale.pk, approve=True)
    assert exc.value.code == "after_sale_decided"
    clock.advance(dt.timedelta(days=8))
    assert returns.complete_due() == 1


def test_return_period_is_enforced(operator):
    buyer, order = _delivered(operator, qty=1)
    line = order.lines.get()
    clock.advance(dt.timedelta(days=31))
    with pytest.raises(DomainError) as exc:
        returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "x")
    assert exc.value.code == "not_returnable"


def test_unpaid_order_is_not_returnable():
    buyer = make_buyer_with_identity()
    sku = make_buyable("50.00", 5)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    with pytest.raises(DomainError) as exc:
        returns.request_return(buyer.user, order.pk, [(order.lines.get().pk, 1)], "x")
    assert exc.value.code == "not_returnable"


def test_return_description_with_nul_is_kept_without_it(operator):
    # A NUL in the description made PostgreSQL refuse the row (a 500).
    buyer, order = _delivered(operator)
    line = order.lines.get()
    after_sale = returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "尺寸\x00不合适\x07")
    after_sale.refresh_from_db()
    assert after_sale.reason == "尺寸不合适"


def test_returning_units_one_by_one_refunds_exactly_what_was_paid(operator):
    """Each request's share was rounded on its own: a line's tax of 18.29 on 3
    units gave 6.10 a unit, 18.30 in all, so the last refund asked a cent more
    than was paid and was refused (refund_exceeds_paid); another tax a cent
    less. The shares are now cumulative: all units together are the line."""
    buyer, order = _delivered(operator, qty=3, price="67.00")
    line = order.lines.get()
    assert order.freight == 0 and (line.tax * 100) % 3 != 0  # the shares do not divide
    for _ in range(3):
        after_sale = returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "不想要了")
        returns.decide_return(operator, after_sale.pk, approve=True, note="ok")
        run_events()
    states = set(AfterSale.objects.filter(order=order).values_list("state", flat=True))
    assert states == {AfterSale.State.REFUNDED}
    refunds = Refund.objects.filter(payment__order=order)
    assert sum(r.amount for r in refunds) == order.actual_paid == line.goods_value + line.tax
    order.refresh_from_db()
    assert order.state == S.REFUNDED and order.refunded_total == order.actual_paid
