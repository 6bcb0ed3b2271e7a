"""What a buyer sees about a product before the cart: price, the estimated CBEC
tax for one unit, where it ships from and under which trade mode. Numbers come
from the tax engine and the freight rule the checkout uses, so the estimate and
the checkout quote agree for a one-unit order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shequn.catalog.models import SKU
from shequn.checkout.freight import freight_for
from shequn.inventory.models import Warehouse
from shequn.taxes import engine

SINGLE_LIMIT = Decimal(settings.SHEQUN["SINGLE_LIMIT"])
ANNUAL_LIMIT = Decimal(settings.SHEQUN["ANNUAL_LIMIT"])

# Why the checkout cannot place the basket, in the buyer's words.
REFUSALS = {
    "over_single_limit": _("The order is over the 5,000 CNY single-order limit (a sole item "
                           "may be taxed in full instead): remove some items."),
    "over_annual_limit": _("The order would go over your personal annual cross-border quota "
                           "of 26,000 CNY."),
}


def refusal_text(code: str | None) -> str | None:
    if not code:
        return None
    return str(REFUSALS.get(code, _("This order cannot be placed.")))


@dataclass
class SkuOffer:
    sku: SKU
    warehouse: Warehouse | None
    trade_mode: str
    freight: Decimal | None
    tax: Decimal | None
    tax_regime: str
    tax_included: bool
    in_stock: bool


def estimate_tax(sku: SKU, freight: Decimal) -> engine.Quote:
    """The CBEC tax of a one-unit order of this SKU (freight is part of the taxable price)."""
    ct = engine.effective_consumption_tax_rate(
        sku.consumption_tax_rule, sku.consumption_tax_rate, sku.price, sku.net_content,
        sku.net_content_unit)
    line = engine.LineInput(name=sku.product.name, qty=1, unit_price=sku.price,
                            vat_rate=sku.vat_rate, consumption_tax_rate=ct,
                            tariff_rate=sku.tariff_rate)
    return engine.quote(engine.QuoteInput(
        lines=(line,), freight=freight, price_includes_tax=sku.price_includes_tax,
        single_limit=SINGLE_LIMIT, annual_limit=ANNUAL_LIMIT))


def sku_offer(sku: SKU) -> SkuOffer:
    from shequn.inventory.selectors import choose_warehouse

    warehouse = choose_warehouse(sku.pk, 1)
    trade_mode = warehouse.trade_mode if warehouse else ("1210" if sku.bonded_only else "")
    freight = freight_for(trade_mode, sku.price) if trade_mode else None
    quote = estimate_tax(sku, freight or Decimal("0"))
    return SkuOffer(sku=sku, warehouse=warehouse, trade_mode=trade_mode, freight=freight,
                    tax=quote.tax_total, tax_regime=quote.regime,
                    tax_included=sku.price_includes_tax, in_stock=warehouse is not None)


@dataclass
class ProductCard:
    listing: Any
    product: Any
    sku: SKU
    price: Decimal
    trade_mode: str
    tax_included: bool
    in_stock: bool
    # No authorization chain today (brands.chain): shown as 暂停销售.
    paused: bool = False


def product_cards(listings: list[Any]) -> list[ProductCard]:
    """One card per listing: cheapest active SKU, and its trade mode from stock
    (bonded first, as the checkout chooses)."""
    from shequn.inventory.selectors import availability_by_trade_mode

    picked: list[tuple[Any, SKU]] = []
    for listing in listings:
        skus = sorted(listing.product.skus.all(), key=lambda s: (s.price, s.pk))
        if skus:
            picked.append((listing, skus[0]))
    from shequn.brands import chain

    stock = availability_by_trade_mode([sku.pk for _, sku in picked])
    covered = chain.covered_sku_ids(
        [s.pk for listing, _ in picked for s in listing.product.skus.all()])
    cards = []
    for listing, sku in picked:
        modes = {m: n for m, n in stock.get(sku.pk, {}).items() if n > 0}
        mode = "1210" if "1210" in modes else next(iter(sorted(modes)), "")
        cards.append(ProductCard(listing=listing, product=listing.product, sku=sku,
                                 price=sku.price, trade_mode=mode,
                                 tax_included=sku.price_includes_tax, in_stock=bool(modes),
                                 paused=not any(s.pk in covered
                                                for s in listing.product.skus.all())))
    return cards
