"""Checkout: quote (tax + limits + real-name) and placement.

Placement is one transaction: check the cart version, split lines into orders
(one per warehouse / trade mode / seller / pricing convention, ≤ 99 lines),
quote each with the CBEC tax engine against the buyer's annual quota, reserve
stock and quota with conditional UPDATEs, write the orders and an outbox event
per order, and empty the cart. Nothing here calls payment or customs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from shequn.brands.errors import BrandError
from shequn.catalog.models import SKU, PositiveListLine
from shequn.catalog.services import check_sellable
from shequn.checkout import events, reads
from shequn.checkout.errors import CheckoutError
from shequn.checkout.freight import freight_for
from shequn.checkout.models import BuyerIdentity, Cart, CartLine
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.core.ids import next_order_number
from shequn.core.money import ZERO
from shequn.inventory import services as stock_services
from shequn.inventory import shelf_life
from shequn.inventory.models import Stock, Warehouse
from shequn.orders.models import Order, OrderLine
from shequn.quota import selectors as quota_reads
from shequn.quota import services as quota
from shequn.taxes import engine

REFUSAL_MESSAGES = {
    "over_single_limit": ("单笔订单完税价格超过 5,000 元限额（仅一件商品时可按全额征税）",
                          "Order over the 5,000 CNY single-transaction limit"),
    "over_annual_limit": ("超过个人年度 26,000 元跨境电商消费额度",
                          "Over the buyer's 26,000 CNY annual CBEC limit"),
}


@dataclass
class GroupQuote:
    warehouse: Warehouse
    trade_mode: str
    seller_id: int
    price_includes_tax: bool
    lines: list[CartLine]
    freight: Decimal
    quote: engine.Quote

    @property
    def payable(self) -> Decimal:
        return self.quote.goods_value + self.freight + self.quote.tax_total


@dataclass
class CheckoutQuote:
    groups: list[GroupQuote] = field(default_factory=list)
    goods_total: Decimal = ZERO
    freight_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    payable_total: Decimal = ZERO
    annual_used: Decimal = ZERO
    refused_code: str | None = None

    @property
    def refused_message(self) -> str:
        return REFUSAL_MESSAGES.get(self.refused_code or "", ("", ""))[0]


def year_now() -> int:
    return clock.now().astimezone().year


def _line_input(line: CartLine) -> engine.LineInput:
    sku: SKU = line.sku
    ct = engine.effective_consumption_tax_rate(
        sku.consumption_tax_rule, sku.consumption_tax_rate, sku.price, sku.net_content,
        sku.net_content_unit)
    return engine.LineInput(name=sku.product.name, qty=line.qty, unit_price=sku.price,
                            vat_rate=sku.vat_rate, consumption_tax_rate=ct,
                            tariff_rate=sku.tariff_rate)


def _choose(stocks: list[Stock], sku_id: int, qty: int) -> Warehouse | None:
    """A warehouse with ``qty`` available units: bonded (1210) first, then the
    one holding most (the rule of inventory.selectors.choose_warehouse, applied
    to rows already read)."""
    free: dict[int, int] = defaultdict(int)
    houses: dict[int, Warehouse] = {}
    for stock in stocks:
        if stock.sku_id == sku_id:
            free[stock.warehouse_id] += stock.on_hand - stock.reserved
            houses[stock.warehouse_id] = stock.warehouse
    fits = [w for w, n in free.items() if n >= qty]
    if not fits:
        return None
    best = min(fits, key=lambda w: (houses[w].trade_mode != "1210", -free[w], w))
    return houses[best]


def _group_lines(lines: list[CartLine], stocks: list[Stock]
                 ) -> dict[tuple[Any, ...], list[CartLine]]:
    """Split the cart per warehouse / seller / pricing convention: each group
    becomes one customs order."""
    groups: dict[tuple[Any, ...], list[CartLine]] = defaultdict(list)
    for line in lines:
        warehouse = _choose(stocks, line.sku_id, line.qty)
        if warehouse is None:
            available = sum(s.on_hand - s.reserved for s in stocks if s.sku_id == line.sku_id)
            raise CheckoutError.OUT_OF_STOCK.error(sku=line.sku.code, requested=line.qty,
                                                   available=available)
        groups[(warehouse, line.sku.product.seller_id, line.sku.price_includes_tax)].append(line)
    return groups


def _positive_line(line: CartLine) -> PositiveListLine | None:
    if not getattr(line, "pl_found", False):
        return None
    # pl_bonded_only and pl_cap are query annotations added by reads.cart_lines().
    bonded_only: bool = line.pl_bonded_only  # type: ignore[attr-defined]
    cap: int | None = line.pl_cap  # type: ignore[attr-defined]
    return PositiveListLine(tariff_line=line.sku.hs_code[:8], bonded_only=bonded_only,
                            per_order_qty_cap=cap)


def quote_lines(lines: list[CartLine], annual_used: Decimal, stocks: list[Stock]
                ) -> CheckoutQuote:
    result = CheckoutQuote(annual_used=annual_used)
    # The authorization chain, as read with the lines (reads.cart_lines): no
    # extra query on the placement path.
    paused = [line.sku.code for line in lines if not getattr(line, "chain_ok", False)]
    if paused:
        raise BrandError.NO_AUTHORIZATION.error(sku=",".join(paused))
    used = annual_used
    max_lines = settings.SHEQUN["MAX_LINES_PER_ORDER"]
    for (warehouse, seller_id, includes_tax), group in _group_lines(lines, stocks).items():
        for line in group:
            check_sellable(line.sku, line.qty, warehouse.trade_mode, _positive_line(line))
        for start in range(0, len(group), max_lines):
            chunk = group[start:start + max_lines]
            goods = sum((line.sku.price * line.qty for line in chunk), ZERO)
            freight = freight_for(warehouse.trade_mode, goods)
            q = engine.quote(engine.QuoteInput(
                lines=tuple(_line_input(line) for line in chunk), freight=freight,
                annual_used=used, price_includes_tax=includes_tax,
                single_limit=Decimal(settings.SHEQUN["SINGLE_LIMIT"]),
                annual_limit=Decimal(settings.SHEQUN["ANNUAL_LIMIT"])))
            if q.regime == engine.REFUSED and result.refused_code is None:
                result.refused_code = q.code
            used += q.taxable_total
            gq = GroupQuote(warehouse=warehouse, trade_mode=warehouse.trade_mode,
                            seller_id=seller_id, price_includes_tax=includes_tax,
                            lines=chunk, freight=freight, quote=q)
            result.groups.append(gq)
            result.goods_total += q.goods_value
            result.freight_total += freight
            result.tax_total += q.tax_total
            result.payable_total += gq.payable
    return result


def _stocks(lines: list[CartLine]) -> list[Stock]:
    # The same batches placement may reserve (inventory.lock_stock): near-expiry
    # batches under the shelf-life rule are not offered, so the quote and the
    # placement agree on where (and whether) the goods ship from.
    return list(Stock.objects.filter(shelf_life.sellable_q(),
                                     sku_id__in={line.sku_id for line in lines})
                .select_related("warehouse"))


def quote_checkout(cart: Cart, identity: BuyerIdentity | None = None) -> CheckoutQuote:
    """What the buyer will pay, before placing. Without an identity the annual
    quota is assumed unused (the page says so)."""
    used = quota_reads.annual_used(identity.id_hash, year_now()) if identity else ZERO
    lines = reads.cart_lines(cart.pk)
    if not lines:
        return CheckoutQuote(annual_used=used)
    return quote_lines(lines, used, _stocks(lines))


def _refusal(code: str | None) -> DomainError:
    if code == "over_annual_limit":
        return CheckoutError.OVER_ANNUAL_LIMIT.error()
    return CheckoutError.OVER_SINGLE_LIMIT.error()


@transaction.atomic
def place_order(*, user: Any, cart: Cart, identity_id: int, address_id: int,
                expected_version: int | None,
                on_placed: Callable[[list[Order]], None] | None = None) -> list[Order]:
    """Place the cart (see the module docstring). ``on_placed`` is called with
    the new orders inside this transaction, last, so what it writes commits or
    rolls back with them (the API creates the orders' payment rows there, a
    layer above this one, instead of in a second transaction that would lock
    the orders again). It must only write to the database: no call to the
    payment provider or customs while the stock and quota rows are locked
    (invariant 2)."""
    # Bumping the version first locks the cart row and proves the buyer placed
    # what they saw: a concurrent change or a second submit finds another version.
    if not reads.bump_cart_version(cart.pk, user.pk, expected_version):
        raise CheckoutError.STALE_CART.error(expected=expected_version)
    lines = reads.cart_lines(cart.pk)
    if not lines:
        raise CheckoutError.EMPTY_CART.error()
    if any(line.unit_price != line.sku.price for line in lines):
        raise CheckoutError.STALE_CART.error(reason="price changed")
    year = year_now()
    identity, address, held = reads.buyer(user.pk, identity_id, address_id, year)
    stocks = stock_services.lock_stock([line.sku_id for line in lines])
    checkout = quote_lines(lines, held, stocks)
    if checkout.refused_code:
        raise _refusal(checkout.refused_code)

    # Attribution as the cart holds it (set from a verified share token).
    shop_id, leader_id, channel = cart.shop_id, cart.leader_id, cart.attribution_channel
    now = clock.now()
    expires = now + dt.timedelta(minutes=settings.SHEQUN["ORDER_PAYMENT_TIMEOUT_MINUTES"])
    checkout_id = uuid.uuid4()
    orders: list[Order] = []
    for group in checkout.groups:
        q = group.quote
        order = Order.objects.create(
            number=next_order_number(), checkout_id=checkout_id, user=user,
            seller_id=group.seller_id, warehouse=group.warehouse, trade_mode=group.trade_mode,
            shop_id=shop_id, leader_id=leader_id, attribution_channel=channel,
            buyer_name=identity.name, buyer_id_enc=identity.id_enc,
            buyer_id_hash=identity.id_hash, buyer_id_masked=identity.id_masked,
            buyer_phone_enc=identity.phone_enc, buyer_phone_masked=identity.phone_masked,
            consignee=address.consignee, consignee_phone_enc=address.phone_enc,
            consignee_phone_masked=address.phone_masked, province=address.province,
            city=address.city, district=address.district, district_code=address.district_code,
            address_detail=address.detail,
            goods_value=q.goods_value, freight=group.freight, insurance=q.insurance,
            discount=ZERO, duty=q.duty, consumption_tax=q.consumption_tax, vat=q.vat,
            tax_total=q.tax_total, actual_paid=q.goods_value + group.freight + q.tax_total,
            taxable_total=q.taxable_total, tax_regime=q.regime, quota_year=year,
            created_at=now, expires_at=expires)
        OrderLine.objects.bulk_create([
            OrderLine(order=order, gnum=i, sku=line.sku, listing_id=line.listing_id,
                      name=line.sku.product.name, gmodel=line.sku.gmodel, qty=line.qty,
                      unit_price=line.sku.price, total_price=line.sku.price * line.qty,
                      goods_value=lt.goods_value, freight_share=lt.freight_share,
                      insurance_share=lt.insurance_share, taxable_price=lt.taxable_price,
                      duty=lt.duty, consumption_tax=lt.consumption_tax, vat=lt.vat, tax=lt.tax)
            for i, (line, lt) in enumerate(zip(group.lines, q.lines, strict=True), start=1)])
        stock_services.reserve(warehouse_id=group.warehouse.pk,
                               lines=[(line.sku_id, line.qty) for line in group.lines],
                               ref=order.number, stocks=stocks)
        quota.reserve(identity.id_hash, year, q.taxable_total, order.number)
        # The placement itself is the first step of the history (created_at);
        # later changes are OrderStatusChange rows.
        events.Placed(order.pk, number=order.number, checkout_id=str(checkout_id),
                      amount=str(order.actual_paid)).emit()
        orders.append(order)
    reads.empty_cart(cart.pk)
    if on_placed is not None:
        on_placed(orders)
    return orders
