"""The buyer's order list: status tabs 全部 / 待付款 / 待发货 / 待收货 / 售后 with counts,
and each declared order's clearance state (issue 9)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shequn.core import outbox
from shequn.orders import returns
from shequn.orders import services as order_services
from tests.builders import (
    make_buyer,
    make_operator,
    make_sku,
    make_stock,
    make_warehouse,
    place_order_for,
    place_paid_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders():  # type: ignore[no-untyped-def]
    """One order in each tab: unpaid, paid (declared to customs), shipped, returned."""
    operator = make_operator()
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 50)
    buyer = make_buyer()
    unpaid = place_order_for(buyer, sku)
    paid = place_paid_order(buyer, sku)
    outbox.drain()
    shipped = place_paid_order(buyer, sku)
    order_services.mark_cleared(shipped.pk)
    order_services.mark_shipped(shipped.pk, operator)
    returned = place_paid_order(buyer, sku)
    order_services.mark_cleared(returned.pk)
    order_services.mark_shipped(returned.pk, operator)
    order_services.mark_delivered(returned.pk, operator)
    line = returned.lines.get()
    returns.request_return(buyer, returned.pk, [(line.pk, 1)], "尺寸不合适")
    client = Client()
    client.force_login(buyer)
    return client, {"unpaid": unpaid, "to_ship": paid, "to_receive": shipped,
                    "after_sales": returned}


def _numbers(html: str) -> set[str]:
    return set(re.findall(r'href="/orders/(\d+)/"', html))


def test_each_tab_lists_its_orders(orders) -> None:  # type: ignore[no-untyped-def]
    client, by_tab = orders
    everything = client.get("/orders/").content.decode()
    assert _numbers(everything) == {o.number for o in by_tab.values()}
    for tab, order in by_tab.items():
        html = client.get(f"/orders/?status={tab}").content.decode()
        assert _numbers(html) == {order.number}, tab
        assert f'data-tab="{tab}" aria-current="page"' in html


def test_the_tabs_are_named_and_counted(orders) -> None:  # type: ignore[no-untyped-def]
    client, _ = orders
    html = client.get("/orders/").content.decode()
    for label in ("全部", "待付款", "待发货", "待收货", "售后"):
        assert f">{label}" in html
    assert re.search(r'data-tab="to_ship"[^>]*>待发货 <span class="order-tab-count">1</span>',
                     html)
    english = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">To pay" in english and ">After-sales" in english


def test_an_unknown_tab_shows_everything(orders) -> None:  # type: ignore[no-untyped-def]
    client, by_tab = orders
    html = client.get("/orders/?status=nope").content.decode()
    assert _numbers(html) == {o.number for o in by_tab.values()}


def test_a_declared_order_shows_its_clearance_state(orders) -> None:  # type: ignore[no-untyped-def]
    client, by_tab = orders
    html = client.get("/orders/?status=to_ship").content.decode()
    assert 'data-testid="order-clearance" data-step="declaring"' in html
    assert "清关：申报中" in html
    unpaid = client.get("/orders/?status=unpaid").content.decode()
    assert 'data-testid="order-clearance"' not in unpaid  # never declared


def _amount_labels(html: str) -> list[str]:
    return [s.strip() for s in re.findall(r'data-testid="amount-label">([^<]*)<', html)]


def test_an_unpaid_order_says_to_pay_and_a_paid_one_paid(orders) -> None:  # type: ignore[no-untyped-def]
    """应付 / "To pay" before the money comes, 实付 / "Paid" after (tester's defect 3);
    an order on hold was paid (it waits for verification, not for money)."""
    client, by_tab = orders
    unpaid, paid = by_tab["unpaid"], by_tab["to_ship"]
    held = place_paid_order(unpaid.user, unpaid.lines.get().sku, as_other_person=True)
    assert held.state == "on_hold" and held.paid_at is not None
    for lang, paid_word in (("zh-hans", "实付"), ("en", "Paid")):
        extra = {"HTTP_ACCEPT_LANGUAGE": lang}
        listing = client.get("/orders/?status=unpaid", **extra).content.decode()
        assert _amount_labels(listing) and paid_word not in _amount_labels(listing)
        detail = client.get(f"/orders/{unpaid.number}/", **extra).content.decode()
        assert _amount_labels(detail) != [paid_word]
        for order in (paid, held):
            detail = client.get(f"/orders/{order.number}/", **extra).content.decode()
            assert _amount_labels(detail) == [paid_word]
    english = client.get("/orders/?status=unpaid", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _amount_labels(english) == ["To pay"]
    assert _amount_labels(client.get(f"/orders/{unpaid.number}/",
                                     HTTP_ACCEPT_LANGUAGE="en").content.decode()) == ["To pay"]
