"""The shelf-life rule: batches expiring within N days (per category, default
setting otherwise) are never reserved nor counted available; food and formula
product pages show the expiry date of the batch FEFO would pick; quarantined
units are never available; adjustments never make stock negative."""

from __future__ import annotations

import datetime as dt

import pytest

from shequn.catalog.models import Category
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.inventory import selectors, services
from shequn.inventory.models import ShelfLifeRule, Stock
from shequn.shops import services as shop_services
from tests.builders import leader_and_shop, make_product, make_sku, make_stock, make_warehouse

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return clock.today()


def _formula_sku():
    cat = Category.objects.create(name="母婴", slug="baby-t")
    ShelfLifeRule.objects.create(category=cat, min_days=90)
    return make_sku(product=make_product(category=cat))


def test_near_expiry_batch_of_a_strict_category_is_not_sold():
    sku = _formula_sku()
    wh = make_warehouse()
    near = make_stock(wh, sku, 5, lot="NEAR", expiry=_today() + dt.timedelta(days=60))
    assert selectors.available(sku.pk) == 0
    with pytest.raises(DomainError) as err:
        services.reserve(warehouse_id=wh.pk, lines=[(sku.pk, 1)], ref="O-NEAR")
    assert err.value.code == "out_of_stock"
    far = make_stock(wh, sku, 4, lot="FAR", expiry=_today() + dt.timedelta(days=120))
    assert selectors.available(sku.pk) == 4
    assert selectors.availability_by_trade_mode([sku.pk]) == {sku.pk: {"1210": 4}}
    plan = services.reserve(warehouse_id=wh.pk, lines=[(sku.pk, 2)], ref="O-FAR")
    assert [(s.pk, n) for s, n in plan] == [(far.pk, 2)]
    near.refresh_from_db()
    assert near.reserved == 0


def test_default_rule_applies_without_a_category_rule(settings):
    settings.SHEQUN = settings.SHEQUN | {"SHELF_LIFE_MIN_DAYS": 30}
    sku = make_sku()
    wh = make_warehouse()
    make_stock(wh, sku, 3, lot="D20", expiry=_today() + dt.timedelta(days=20))
    make_stock(wh, sku, 2, lot="D40", expiry=_today() + dt.timedelta(days=40))
    make_stock(wh, sku, 1, lot="NOEXP", expiry=None)
    assert selectors.available(sku.pk) == 3
    report = selectors.expiry_report(within_days=60, warehouse_ids=[wh.pk])
    assert [(r["batch"].lot, r["blocked"]) for r in report] == [("D20", True), ("D40", False)]


def test_quarantined_units_are_never_available():
    sku = make_sku()
    wh = make_warehouse()
    services.receive(warehouse=wh, sku=sku, lot="Q1", expiry=None, qty=4, quarantine=True)
    assert selectors.available(sku.pk) == 0
    row = Stock.objects.get(sku=sku)
    assert (row.on_hand, row.quarantine) == (0, 4)
    assert selectors.stock_ledger_balances_ok(row)


def test_adjust_refuses_going_below_zero_or_under_reserved():
    sku = make_sku()
    wh = make_warehouse()
    stock = make_stock(wh, sku, 5)
    services.reserve(warehouse_id=wh.pk, lines=[(sku.pk, 3)], ref="HOLD")
    with pytest.raises(DomainError) as err:
        services.adjust(stock_id=stock.pk, delta=-3)
    assert err.value.code == "negative_stock"
    services.adjust(stock_id=stock.pk, delta=-2, note="stocktake")
    with pytest.raises(DomainError):
        services.adjust(stock_id=stock.pk, delta=-1, quarantine=True)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (3, 3)
    assert selectors.stock_ledger_balances_ok(stock)


def test_product_page_shows_the_fefo_batch_expiry(client):
    sku = _formula_sku()
    wh = make_warehouse()
    make_stock(wh, sku, 5, lot="NEAR", expiry=_today() + dt.timedelta(days=30))  # off sale
    make_stock(wh, sku, 5, lot="LATE", expiry=dt.date(2031, 3, 1))
    make_stock(wh, sku, 5, lot="FIRST", expiry=dt.date(2030, 6, 30))
    user, shop = leader_and_shop()
    shop_services.add_listing(shop, user, sku.product)
    html = client.get(f"/s/{shop.slug}/p/{sku.product_id}/").content.decode()
    assert 'id="fefo-expiry"' in html and "2030-06-30" in html
    # A product of a category without a rule shows no expiry line.
    other = make_sku()
    make_stock(wh, other, 5, expiry=dt.date(2030, 6, 30))
    shop_services.add_listing(shop, user, other.product)
    assert 'id="fefo-expiry"' not in client.get(f"/s/{shop.slug}/p/{other.product_id}/"
                                                 ).content.decode()
