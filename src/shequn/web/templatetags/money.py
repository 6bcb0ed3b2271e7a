"""Money and label filters for every page: ``{% load money %}``.

``{{ amount|yuan }}`` renders ``¥298.00`` (two places, half up, thousands
separated), the one format the buyer sees everywhere."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext_lazy as _

from shequn.catalog.countries import country_name
from shequn.catalog.units import unit_name
from shequn.core.money import q2

register = template.Library()

TRADE_MODES = {
    "1210": ("保税仓发货", "Bonded warehouse · 1210"),
    "9610": ("海外直邮", "Direct mail · 9610"),
}


@register.filter
def yuan(value: object) -> str:
    """¥ with two decimals; blank for missing values (never a float)."""
    if value is None or value == "":
        return ""
    try:
        amount = q2(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


TRADE_MODE_LABELS = {"1210": _("Bonded warehouse · 1210"), "9610": _("Direct mail · 9610")}


@register.filter
def trade_mode_label(code: str) -> str:
    """How the goods travel, in the page's language."""
    return str(TRADE_MODE_LABELS.get(str(code), code))


@register.filter
def trade_mode_zh(code: str) -> str:
    return TRADE_MODES.get(str(code), (str(code), ""))[0]


@register.filter
def trade_mode_en(code: str) -> str:
    return TRADE_MODES.get(str(code), ("", str(code)))[1]


@register.filter
def trade_tag(code: str) -> str:
    """Short tag for product cards: bonded (保税) / direct mail (直邮)."""
    tags = {"1210": _("Bonded"), "9610": _("Direct mail")}
    return str(tags.get(str(code), ""))


@register.filter
def unit(code: str) -> str:
    """A JGS-20 unit code as the unit's name in the page's language."""
    return unit_name(code)


@register.filter
def country(code: str) -> str:
    """A JGS-20 origin code as the country's name in the page's language."""
    return country_name(code)
