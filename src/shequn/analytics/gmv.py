"""GMV (成交额), the same on every page: the amount actually paid on orders that are
paid and not refunded (paid / shipped / delivered / completed), less what the
refunds of their returns gave back. An order refunded in full (before shipping, or
every unit returned) counts in no figure; a partly returned one counts what is left."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from shequn.orders.models import Order
from shequn.orders.selectors import PAID_STATES, net_paid

ZERO = Decimal("0.00")


def gmv(orders: QuerySet[Order] | None = None, *, created_since: dt.datetime | None = None
        ) -> Decimal:
    qs = (Order.objects.all() if orders is None else orders).filter(state__in=PAID_STATES)
    if created_since is not None:
        qs = qs.filter(created_at__gte=created_since)
    return qs.aggregate(s=Sum(net_paid()))["s"] or ZERO


def refund_counts(orders: QuerySet[Order] | None = None) -> dict[str, int]:
    """Orders refunded in full and orders partly refunded (some returns refunded)."""
    qs = Order.objects.all() if orders is None else orders
    return qs.aggregate(
        full=Count("pk", filter=Q(state=Order.State.REFUNDED)),
        partial=Count("pk", filter=Q(state__in=PAID_STATES, refunded_total__gt=0)))
