"""Checkout placement: tax, limits, real-name, reservations, outbox, errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequn.checkout import cart as carts
from shequn.checkout.services import place_order, quote_checkout
from shequn.core.errors import DomainError
from shequn.core.ids import is_valid_number
from shequn.core.models import OutboxEvent
from shequn.inventory.models import Stock
from shequn.orders.models import Order
from shequn.quota import services as quota
from shequn.quota.models import QuotaAccount
from tests.builders import (
    cart_with,
    make_buyable,
    make_buyer_with_identity,
    make_stock,
    make_warehouse,
    resident_id,
)

pytestmark = pytest.mark.django_db


def _place(buyer, cart, version=None):
    return place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                       address_id=buyer.address_id,
                       expected_version=cart.version if version is None else version)


def test_place_order_computes_cbec_tax_reserves_stock_and_quota():
    buyer = make_buyer_with_identity()
    serum = make_buyable("480.00", 10, ct_rule="always", ct_rate="0.15", hs_code="3304990099")
    cart = cart_with(buyer.user, (serum, 1))
    [order] = _place(buyer, cart)
    # 480 of goods ships free from the bonded warehouse (≥ 199).
    assert order.freight == Decimal("0.00")
    assert order.tax_regime == "cbec"
    # CT = 480 / 0.85 × 0.15 × 0.7 = 59.29 (statutory CT feeds the VAT base)
    assert order.consumption_tax == Decimal("59.29")
    assert order.tax_total == order.consumption_tax + order.vat
    assert order.actual_paid == order.goods_value + order.freight + order.tax_total - order.discount
    assert order.state == Order.State.PENDING_PAYMENT
    assert is_valid_number(order.number)
    stock = Stock.objects.get(sku=serum)
    assert (stock.on_hand, stock.reserved) == (10, 1)
    account = QuotaAccount.objects.get(id_hash=order.buyer_id_hash)
    assert account.reserved == order.taxable_total and account.used == 0
    assert OutboxEvent.objects.filter(topic="order.placed", aggregate_id=str(order.pk)).exists()
    cart.refresh_from_db()
    assert cart.lines.count() == 0


def test_line_totals_and_actual_paid_invariant_on_mixed_basket():
    buyer = make_buyer_with_identity()
    serum = make_buyable("300.00", 5, ct_rule="always", ct_rate="0.15", hs_code="3304990099")
    formula = make_buyable("100.00", 5, warehouse=serum.stocks.first().warehouse)
    cart = cart_with(buyer.user, (serum, 1), (formula, 2))
    orders = _place(buyer, cart)
    assert len(orders) == 2 or len(orders) == 1  # split per seller
    for order in orders:
        lines = list(order.lines.all())
        for line in lines:
            assert line.total_price == line.unit_price * line.qty
        assert order.goods_value == sum(ln.goods_value for ln in lines)
        assert order.tax_total == sum(ln.tax for ln in lines)
        assert order.actual_paid == order.goods_value + order.freight + order.tax_total


def test_orders_are_split_per_warehouse():
    buyer = make_buyer_with_identity()
    bonded = make_buyable("200.00", 5)
    direct_wh = make_warehouse("direct_mail")
    direct = make_buyable("150.00", 0, seller=bonded.product.seller)
    make_stock(direct_wh, direct, 5)
    cart = cart_with(buyer.user, (bonded, 1), (direct, 1))
    orders = _place(buyer, cart)
    assert sorted(o.trade_mode for o in orders) == ["1210", "9610"]
    assert len({o.checkout_id for o in orders}) == 1
    assert {o.freight for o in orders if o.trade_mode == "9610"} == {Decimal("20.00")}


def test_over_single_limit_is_refused_and_changes_nothing():
    buyer = make_buyer_with_identity()
    a = make_buyable("2800.00", 5)
    b = make_buyable("2400.00", 5, warehouse=a.stocks.first().warehouse,
                     seller=a.product.seller)
    cart = cart_with(buyer.user, (a, 1), (b, 1))
    with pytest.raises(DomainError) as exc:
        _place(buyer, cart)
    assert exc.value.code == "over_single_limit"
    assert Order.objects.count() == 0
    assert Stock.objects.filter(reserved__gt=0).count() == 0
    assert cart.lines.count() == 2


def test_sole_item_over_5000_is_fully_taxed():
    buyer = make_buyer_with_identity()
    bag = make_buyable("6000.00", 2, tariff_rate=Decimal("0.10"), hs_code="4202210090")
    [order] = _place(buyer, cart_with(buyer.user, (bag, 1)))
    assert order.tax_regime == "cbec_full_tax"
    assert order.duty == Decimal("600.00")
    assert order.vat == Decimal("858.00")
    assert order.tax_total == Decimal("1458.00")


def test_annual_limit_counts_earlier_orders_of_the_same_id():
    id_number = resident_id(seq=321)
    first = make_buyer_with_identity(id_number)
    item = make_buyable("4800.00", 20)
    wh = item.stocks.first().warehouse
    for _ in range(5):  # 5 × 4,800 = 24,000
        _place(first, cart_with(first.user, (item, 1)))
    # Another account with the same resident ID shares the quota.
    second = make_buyer_with_identity(id_number)
    other = make_buyable("2500.00", 5, warehouse=wh)
    with pytest.raises(DomainError) as exc:
        _place(second, cart_with(second.user, (other, 1)))
    assert exc.value.code == "over_annual_limit"
    assert quota.annual_used(Order.objects.first().buyer_id_hash, 2026) >= 0


def test_stale_cart_version_is_refused():
    buyer = make_buyer_with_identity()
    sku = make_buyable()
    cart = cart_with(buyer.user, (sku, 1))
    with pytest.raises(DomainError) as exc:
        _place(buyer, cart, version=cart.version - 1)
    assert exc.value.code == "stale_cart"
    assert Order.objects.count() == 0


def test_price_change_after_adding_makes_the_cart_stale():
    buyer = make_buyer_with_identity()
    sku = make_buyable("100.00")
    cart = cart_with(buyer.user, (sku, 1))
    sku.price = Decimal("120.00")
    sku.save()
    with pytest.raises(DomainError) as exc:
        _place(buyer, cart)
    assert exc.value.code == "stale_cart"


def test_out_of_stock_is_refused():
    buyer = make_buyer_with_identity()
    sku = make_buyable(stock=1)
    cart = cart_with(buyer.user, (sku, 2))
    with pytest.raises(DomainError) as exc:
        _place(buyer, cart)
    assert exc.value.code == "out_of_stock"


def test_someone_elses_identity_is_refused():
    buyer = make_buyer_with_identity()
    other = make_buyer_with_identity()
    sku = make_buyable()
    cart = cart_with(buyer.user, (sku, 1))
    with pytest.raises(DomainError) as exc:
        place_order(user=buyer.user, cart=cart, identity_id=other.identity_id,
                    address_id=buyer.address_id, expected_version=cart.version)
    assert exc.value.code == "identity_not_found"
    assert Order.objects.count() == 0


@pytest.mark.parametrize("qty, code", [(0, "invalid_qty"), (-1, "invalid_qty"),
                                       (100000, "qty_too_large")])
def test_bad_quantities_are_refused(qty, code):
    buyer = make_buyer_with_identity()
    sku = make_buyable()
    cart = carts.cart_for_session({}, buyer.user)
    with pytest.raises(DomainError) as exc:
        carts.add_item(cart, sku.pk, qty)
    assert exc.value.code == code
    assert cart.lines.count() == 0


def test_unknown_sku_is_refused():
    buyer = make_buyer_with_identity()
    cart = carts.cart_for_session({}, buyer.user)
    with pytest.raises(DomainError) as exc:
        carts.add_item(cart, 999999, 1)
    assert exc.value.code == "unknown_sku"


def test_quote_matches_placement():
    buyer = make_buyer_with_identity()
    sku = make_buyable("298.00")
    cart = cart_with(buyer.user, (sku, 2))
    q = quote_checkout(cart)
    assert q.tax_total == Decimal("54.24")
    [order] = _place(buyer, cart)
    assert order.tax_total == q.tax_total
    assert order.actual_paid == q.payable_total


def _queries_for(lines: int) -> int:
    """Queries of one placement, as in production (no test savepoint around it)."""
    buyer = make_buyer_with_identity()
    wh = make_warehouse("bonded")
    seller = make_buyable(stock=0).product.seller
    skus = [make_buyable("20.00", 10, warehouse=wh, seller=seller) for _ in range(lines)]
    cart = cart_with(buyer.user, *[(s, 1) for s in skus])
    with CaptureQueriesContext(connection) as ctx:
        _place(buyer, cart)
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(control))


@pytest.mark.django_db(transaction=True)
def test_placement_query_count_does_not_grow_with_lines():
    one = _queries_for(1)
    ten = _queries_for(10)
    print(f"queries per order: 1 line={one}, 10 lines={ten}")
    assert ten == one, f"N+1: {one} queries for 1 line, {ten} for 10"
    if connection.vendor == "postgresql":
        assert one <= 12, f"placement budget is 12 queries, used {one}"
