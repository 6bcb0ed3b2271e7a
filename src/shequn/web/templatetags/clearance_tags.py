"""The buyer's clearance timeline on the order page (store/_clearance.html):
``{% load clearance_tags %}{% clearance_for order as clearance %}``."""

from __future__ import annotations

from typing import Any

from django import template

from shequn.customs.selectors import Clearance
from shequn.customs.selectors import clearance_for as _clearance_for

register = template.Library()


@register.simple_tag
def clearance_for(order: Any) -> Clearance | None:
    """None when the order was never declared to customs (nothing is shown)."""
    if order is None or getattr(order, "pk", None) is None:
        return None
    return _clearance_for(order)
