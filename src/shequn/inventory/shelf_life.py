"""The shelf-life rule: a batch that expires within N days cannot be sold. N is
the product category's inventory.ShelfLifeRule, or SHEQUN["SHELF_LIFE_MIN_DAYS"].
A batch without an expiry date never runs out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import (
    DateField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from shequn.core import clock


def today() -> dt.date:
    return clock.today()


def default_days() -> int:
    return int(settings.SHEQUN.get("SHELF_LIFE_MIN_DAYS", 30))


def sellable(expiry: dt.date | None, min_days: int | None, on: dt.date,
             default: int) -> bool:
    """Whether a batch expiring on ``expiry`` may still be sold on ``on``."""
    if expiry is None:
        return True
    days = default if min_days is None else min_days
    return expiry >= on + dt.timedelta(days=days)


def rules() -> dict[int, int]:
    """{category_id: min_days} of every rule (a small table)."""
    from shequn.inventory.models import ShelfLifeRule

    return dict(ShelfLifeRule.objects.values_list("category_id", "min_days"))


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (both dates), on both databases."""

    output_field = IntegerField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection,
                              template="CAST(julianday(%(expressions)s) AS INTEGER)",
                              arg_joiner=") - julianday(", **extra)


def sellable_q(prefix: str = "", on: dt.date | None = None) -> Q:
    """A filter on Stock (or on a model reaching Stock through ``prefix``, e.g.
    ``"stocks__"``) keeping rows whose batch may still be sold. No extra query:
    the category's rule is a correlated subquery."""
    from shequn.inventory.models import ShelfLifeRule

    on = on or today()
    expiry = f"{prefix}batch__expiry"
    rule = ShelfLifeRule.objects.filter(
        category_id=OuterRef(f"{prefix}sku__product__category_id")).values("min_days")[:1]
    limit = Coalesce(Subquery(rule, output_field=IntegerField()), Value(default_days()))
    left = DaysBetween(F(expiry), Value(on, output_field=DateField()))
    return Q(**{f"{expiry}__isnull": True}) | Q(GreaterThanOrEqual(left, limit))
