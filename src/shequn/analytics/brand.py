"""A brand organization's figures (read-only): the brand console's home and the
partner sales API.

"Sales of the brand" are the order lines whose product's brand or seller of
record is the organization (``org=None``: the platform, every line). A sale
counts on the local day its order was paid, while the order is paid and not
refunded in full (paid / shipped / delivered / completed). No buyer's personal
data is read; leaders appear by their display name only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from shequn.brands.models import Grant
from shequn.catalog.models import SKU, Organization
from shequn.core import clock
from shequn.inventory.models import Stock
from shequn.orders.models import OrderLine
from shequn.orders.selectors import PAID_STATES
from shequn.payments.models import Refund

ZERO = Decimal("0.00")
DAYS = 30
EXPIRY_DAYS = 90


def today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min),
                               timezone.get_current_timezone())


def _product_filter(org: Organization | None, prefix: str) -> Q:
    if org is None:
        return Q()
    return Q(**{f"{prefix}product__brand": org}) | Q(**{f"{prefix}product__seller": org})


def lines(org: Organization | None) -> QuerySet[OrderLine]:
    """Every order line of the organization's products (any order state)."""
    return OrderLine.objects.filter(_product_filter(org, "sku__"))


def sold_lines(org: Organization | None, since: dt.date | None = None,
               until: dt.date | None = None) -> QuerySet[OrderLine]:
    """Lines of paid, not fully refunded orders, paid on local days
    ``since``..``until`` (inclusive)."""
    qs = lines(org).filter(order__state__in=PAID_STATES, order__paid_at__isnull=False)
    if since is not None:
        qs = qs.filter(order__paid_at__gte=local_midnight(since))
    if until is not None:
        qs = qs.filter(order__paid_at__lt=local_midnight(until + dt.timedelta(days=1)))
    return qs


def daily(org: Organization | None, days: int = DAYS,
          until: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per local day (zeros included), oldest first: ``gmv`` (value of
    the brand's lines), ``orders``, ``units`` and ``refunds`` (orders with the
    brand's lines whose refund went through that day)."""
    last = until or today()
    first = last - dt.timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    rows = (sold_lines(org, first, last)
            .annotate(day=TruncDate("order__paid_at", tzinfo=tz)).values("day")
            .annotate(gmv=Sum("total_price"), units=Sum("qty"),
                      orders=Count("order", distinct=True)).order_by("day"))
    by_day: dict[dt.date, Mapping[str, Any]] = {r["day"]: r for r in rows}
    order_ids = lines(org).values("order_id")
    refunds = (Refund.objects.filter(state=Refund.State.SUCCEEDED,
                                     payment__order__in=order_ids)
               .annotate(at=Coalesce("completed_at", "created_at"))
               .filter(at__gte=local_midnight(first),
                       at__lt=local_midnight(last + dt.timedelta(days=1)))
               .annotate(day=TruncDate("at", tzinfo=tz)).values("day")
               .annotate(n=Count("payment__order", distinct=True)).order_by("day"))
    refunds_by_day = {r["day"]: r["n"] for r in refunds}
    out = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        r = by_day.get(day, {})
        out.append({"day": day.isoformat(), "gmv": r.get("gmv") or ZERO,
                    "orders": r.get("orders") or 0, "units": r.get("units") or 0,
                    "refunds": refunds_by_day.get(day, 0)})
    return out


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"gmv": sum((r["gmv"] for r in rows), ZERO),
            "orders": sum(r["orders"] for r in rows),
            "units": sum(r["units"] for r in rows),
            "refunds": sum(r["refunds"] for r in rows)}


def top_products(org: Organization | None, days: int = DAYS,
                 limit: int = 10) -> list[dict[str, Any]]:
    since = today() - dt.timedelta(days=days - 1)
    rows = (sold_lines(org, since).values("sku__product_id", "sku__product__name")
            .annotate(units=Sum("qty"), gmv=Sum("total_price"),
                      orders=Count("order", distinct=True))
            .order_by("-gmv", "-units", "sku__product_id")[:limit])
    return [{"product_id": r["sku__product_id"], "name": r["sku__product__name"],
             "units": r["units"], "gmv": r["gmv"], "orders": r["orders"]} for r in rows]


def leader_label(display_name: str | None, shop_name: str | None) -> str:
    return (display_name or "").strip() or (shop_name or "").strip() or "—"


def top_leaders(org: Organization | None, days: int = DAYS,
                limit: int = 10) -> list[dict[str, Any]]:
    """The leaders whose shops sold the organization's products: display names
    (or their shop's name) only, never who they are."""
    since = today() - dt.timedelta(days=days - 1)
    rows = (sold_lines(org, since).filter(order__leader__isnull=False)
            .values("order__leader_id", "order__leader__display_name", "order__shop__name")
            .annotate(units=Sum("qty"), gmv=Sum("total_price"),
                      orders=Count("order", distinct=True))
            .order_by("-gmv", "-units", "order__leader_id")[:limit])
    return [{"name": leader_label(r["order__leader__display_name"], r["order__shop__name"]),
             "units": r["units"], "gmv": r["gmv"], "orders": r["orders"]} for r in rows]


def stock_health(org: Organization | None, days: int = DAYS,
                 expiry_days: int = EXPIRY_DAYS, limit: int = 200) -> list[dict[str, Any]]:
    """Per SKU of the organization's products: available units, units sold over
    ``days``, days of cover (available / average daily units sold; None when
    nothing sold) and the batches with stock expiring within ``expiry_days``."""
    now = today()
    skus = list(SKU.objects.filter(_product_filter(org, "")).select_related("product")
                .order_by("product__name", "code")[:limit])
    ids = [s.pk for s in skus]
    available = dict(Stock.objects.filter(sku_id__in=ids).values("sku_id")
                     .annotate(n=Sum(F("on_hand") - F("reserved"))).values_list("sku_id", "n"))
    sold = dict(sold_lines(org, now - dt.timedelta(days=days - 1)).filter(sku_id__in=ids)
                .values("sku_id").annotate(n=Sum("qty")).values_list("sku_id", "n"))
    near: dict[int, list[dict[str, Any]]] = {}
    for s in (Stock.objects.filter(sku_id__in=ids, on_hand__gt=0,
                                   batch__expiry__isnull=False,
                                   batch__expiry__lte=now + dt.timedelta(days=expiry_days))
              .values("sku_id", "batch__lot", "batch__expiry")
              .annotate(units=Sum("on_hand")).order_by("batch__expiry")):
        expiry = s["batch__expiry"]
        near.setdefault(s["sku_id"], []).append(
            {"lot": s["batch__lot"], "expiry": expiry, "units": s["units"],
             "days_left": (expiry - now).days if expiry else None})
    out = []
    for sku in skus:
        avail = int(available.get(sku.pk) or 0)
        units = int(sold.get(sku.pk) or 0)
        cover = round(avail / (units / days), 1) if units else None
        out.append({"sku_id": sku.pk, "code": sku.code, "product": sku.product.name,
                    "gmodel": sku.gmodel, "available": avail, "sold": units,
                    "days_of_cover": cover, "near_expiry": near.get(sku.pk, [])})
    return out


def grant_status(org: Organization | None) -> list[dict[str, Any]]:
    """Grants where the organization is the brand, the grantor or the grantee,
    counted by status (every status, zeros included)."""
    qs = Grant.objects.all()
    if org is not None:
        qs = qs.filter(Q(brand=org) | Q(grantor=org) | Q(grantee=org))
    counts = dict(qs.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return [{"status": value, "label": label, "n": counts.get(value, 0)}
            for value, label in Grant.Status.choices]


def order_lines(org: Organization | None, since: dt.date | None = None,
                until: dt.date | None = None, *, number: str | None = None,
                limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
    """The organization's sold lines paid on ``since``..``until`` (or of the
    order ``number``): order number, time, SKU, quantity, prices, state and the
    leader's display name. No buyer."""
    qs = sold_lines(org, since, until)
    if number is not None:
        qs = qs.filter(order__number=number)
    qs = (qs.select_related("order", "order__leader", "order__shop", "sku", "sku__product")
          .order_by("order__paid_at", "order__number", "gnum")[offset:offset + limit])
    return [{"order": line.order.number, "paid_at": line.order.paid_at,
             "state": line.order.state, "sku": line.sku.code, "product": line.sku.product.name,
             "brand_id": line.sku.product.brand_id, "seller_id": line.sku.product.seller_id,
             "qty": line.qty, "unit_price": line.unit_price, "total_price": line.total_price,
             "leader": _leader_of(line)} for line in qs]


def _leader_of(line: OrderLine) -> str | None:
    leader, shop = line.order.leader, line.order.shop
    if leader is None:
        return None
    return leader_label(leader.display_name, shop.name if shop is not None else "")

