"""Share → visit → order funnels per leader, per product and per channel.

Definitions (the same in every view and export):

- **share**: one signed link, poster or code that was opened at least once. A token
  is identified by (leader, listing, channel, issued-at second); we cannot see links
  that nobody opened, so shares are counted on the first visit.
- **visit**: one valid opening of a share link (``shops.ShareVisit`` with
  ``valid=True``); **visitors** are distinct browser sessions.
- **order**: an order attributed to a leader (``Order.leader`` set), paid and not
  refunded or cancelled (paid / shipped / delivered / completed), counted by the time
  it was paid; **goods value** is what the buyer paid for the goods and kept
  paid (order ``goods_value`` minus ``discount``, per product the lines'
  ``goods_value``; less the goods refunded by returns). An order every unit of
  which was returned and refunded is ``refunded`` and is no order here.
- **checkouts**: the buyer's checkouts among those orders. One checkout whose basket
  ships from two warehouses (or two sellers) makes two customs orders; it is one
  purchase decision, so conversion counts checkouts, not orders.
- **conversion** = checkouts / visits (None when there were no visits).

Each funnel is three grouped queries (visits, orders, names), whatever the number of
rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from shequn.accounts.models import User
from shequn.catalog.models import Product
from shequn.catalog.names import shown
from shequn.orders.models import AfterSale, AfterSaleLine, Order, OrderLine
from shequn.orders.selectors import MONEY
from shequn.shops.models import ShareVisit

S = Order.State
SALE_STATES = (S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED)
DIMENSIONS = ("leader", "product", "channel")
CHANNELS = ("link", "poster", "code")
CHANNEL_LABELS = {"link": _("Link"), "poster": _("Poster"), "code": _("QR or invite code")}
ZERO = Decimal("0.00")


@dataclass
class FunnelRow:
    key: str
    label: str
    shares: int = 0
    visits: int = 0
    visitors: int = 0
    orders: int = 0
    checkouts: int = 0
    goods_value: Decimal = ZERO

    @property
    def conversion(self) -> Decimal | None:
        """Checkouts per visit, as a fraction with 4 places (None without visits)."""
        if not self.visits:
            return None
        return (Decimal(self.checkouts) / Decimal(self.visits)).quantize(Decimal("0.0001"))

    @property
    def conversion_pct(self) -> str:
        c = self.conversion
        return "—" if c is None else f"{c * 100:.1f}%"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "shares": self.shares,
                "visits": self.visits, "visitors": self.visitors, "orders": self.orders,
                "checkouts": self.checkouts, "goods_value": self.goods_value,
                "conversion": self.conversion}


def share_key() -> Concat:
    """SQL expression naming the token a visit came from (see module docstring)."""
    text = CharField()
    return Concat(Cast(Coalesce("leader_id", Value(0)), text), Value("|"),
                  Cast(Coalesce("listing_id", Value(0)), text), Value("|"), "channel",
                  Value("|"), Cast("token_issued_at", text), output_field=text)


def valid_visits(since: dt.datetime | None, until: dt.datetime | None,
            leader: Any | None) -> QuerySet[ShareVisit]:
    qs = ShareVisit.objects.filter(valid=True)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if leader is not None:
        qs = qs.filter(leader=leader)
    return qs


def sales(since: dt.datetime | None = None, until: dt.datetime | None = None,
          leader: Any | None = None) -> QuerySet[Order]:
    """Attributed sales (paid, not refunded or cancelled) paid within the window."""
    qs = Order.objects.filter(leader__isnull=False, state__in=SALE_STATES)
    if since is not None:
        qs = qs.filter(paid_at__gte=since)
    if until is not None:
        qs = qs.filter(paid_at__lt=until)
    if leader is not None:
        qs = qs.filter(leader=leader)
    return qs


def _refunded_goods(rows: QuerySet[AfterSale] | QuerySet[AfterSaleLine], key: str
                   ) -> Coalesce:
    """Goods value given back by the refunded returns of the outer order / line."""
    done = (rows.filter(**{key: OuterRef("pk")}).values(key)
            .annotate(s=Sum("goods_refund")).values("s")[:1])
    return Coalesce(Subquery(done), Value(ZERO))


def order_goods(qs: QuerySet[Order]) -> QuerySet[Order]:
    """``qs`` with ``kept_goods``: goods paid for, less discount and refunded goods."""
    refunded = _refunded_goods(AfterSale.objects.filter(state=AfterSale.State.REFUNDED),
                               "order")
    return qs.annotate(kept_goods=ExpressionWrapper(
        F("goods_value") - F("discount") - refunded, output_field=MONEY))


CHECKOUTS = Count("checkout_id", distinct=True)
_VISIT_AGG = {"shares": Count(share_key(), distinct=True), "visits": Count("pk"),
              "visitors": Count("session_key", distinct=True,
                                filter=~Q(session_key=""))}


def _rows(visit_groups: Iterable[Mapping[str, Any]], order_groups: Iterable[Mapping[str, Any]],
          labels: dict[str, str]) -> list[FunnelRow]:
    rows: dict[str, FunnelRow] = {}
    for g in visit_groups:
        key = str(g["k"])
        rows[key] = FunnelRow(key=key, label=labels.get(key, key), shares=g["shares"],
                              visits=g["visits"], visitors=g["visitors"])
    for g in order_groups:
        key = str(g["k"])
        row = rows.setdefault(key, FunnelRow(key=key, label=labels.get(key, key)))
        row.orders, row.checkouts = g["orders"], g["checkouts"]
        row.goods_value = g["goods"] or ZERO
    return sorted(rows.values(), key=lambda r: (-r.orders, -r.visits, r.key))


def _user_labels(ids: set[Any]) -> dict[str, str]:
    users = User.objects.filter(pk__in=ids).values_list("pk", "display_name", "username")
    return {str(pk): (name or username) for pk, name, username in users}


def funnel_by_leader(since: dt.datetime | None = None,
                     until: dt.datetime | None = None) -> list[FunnelRow]:
    visits = list(valid_visits(since, until, None).filter(leader__isnull=False)
                  .values(k=F("leader_id")).annotate(**_VISIT_AGG).order_by())
    orders = list(order_goods(sales(since, until)).values(k=F("leader_id")).annotate(
        orders=Count("pk"), checkouts=CHECKOUTS, goods=Sum("kept_goods")).order_by())
    ids = {g["k"] for g in visits} | {g["k"] for g in orders}
    return _rows(visits, orders, _user_labels(ids))


def funnel_by_channel(since: dt.datetime | None = None, until: dt.datetime | None = None,
                      leader: Any | None = None) -> list[FunnelRow]:
    visits = list(valid_visits(since, until, leader).values(k=F("channel"))
                  .annotate(**_VISIT_AGG).order_by())
    orders = list(order_goods(sales(since, until, leader)).values(
        k=F("attribution_channel")).annotate(orders=Count("pk"), checkouts=CHECKOUTS,
                                              goods=Sum("kept_goods")).order_by())
    labels = {c: str(label) for c, label in CHANNEL_LABELS.items()}
    rows = _rows(visits, orders, labels)
    # Every channel appears, also with zeros, so charts and exports keep their shape.
    have = {r.key for r in rows}
    rows += [FunnelRow(key=c, label=labels[c]) for c in CHANNELS if c not in have]
    return rows


def funnel_by_product(since: dt.datetime | None = None, until: dt.datetime | None = None,
                      leader: Any | None = None) -> list[FunnelRow]:
    """Visits of product links (shop-wide links have no product and are left out) and
    attributed orders containing the product (an order with two products counts for
    both; goods value is that product's lines only)."""
    visits = list(valid_visits(since, until, leader).filter(listing__isnull=False)
                  .values(k=F("listing__product_id")).annotate(**_VISIT_AGG).order_by())
    refunded = _refunded_goods(
        AfterSaleLine.objects.filter(after_sale__state=AfterSale.State.REFUNDED), "line")
    lines = (OrderLine.objects.filter(order__in=sales(since, until, leader))
             .annotate(kept_goods=ExpressionWrapper(F("goods_value") - refunded,
                                                   output_field=MONEY)))
    orders = list(lines.values(k=F("sku__product_id")).annotate(
        orders=Count("order_id", distinct=True),
        checkouts=Count("order__checkout_id", distinct=True),
        goods=Sum("kept_goods")).order_by())
    ids = {g["k"] for g in visits} | {g["k"] for g in orders}
    # The name the page's language shows (catalog.names), as everywhere else.
    labels = {str(pk): shown(name, name_en) for pk, name, name_en in
              Product.objects.filter(pk__in=ids).values_list("pk", "name", "name_en")}
    return _rows(visits, orders, labels)


def funnel(dimension: str, since: dt.datetime | None = None,
           until: dt.datetime | None = None) -> list[FunnelRow]:
    if dimension == "leader":
        return funnel_by_leader(since, until)
    if dimension == "product":
        return funnel_by_product(since, until)
    if dimension == "channel":
        return funnel_by_channel(since, until)
    raise ValueError(f"unknown funnel dimension {dimension!r}")


def totals(rows: list[FunnelRow]) -> FunnelRow:
    total = FunnelRow(key="total", label=str(_("Total")))
    for r in rows:
        total.shares += r.shares
        total.visits += r.visits
        total.visitors += r.visitors
        total.orders += r.orders
        total.checkouts += r.checkouts
        total.goods_value += r.goods_value
    return total
