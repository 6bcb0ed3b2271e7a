"""Names in the page's language (one language per page).

A product or an organization has a Chinese name, the name as sold: the one the
customs messages declare, order lines keep as their snapshot and legal documents
print, and an optional English one (``name_en``). Pages shown in English give the
English name where there is one and the Chinese name otherwise; Chinese pages,
and everything that is a legal or wire value, give the Chinese name. Every page
asks here (``Product.display_name``, ``Organization.display_name``,
``OrderLine.display_name``), so the rule lives in one place. A product's
description (``description_en``) and a SKU's option label (``label_en``; the
customs ``gmodel`` stays Chinese) follow the same rule."""

from __future__ import annotations

from django.utils.translation import get_language


def english() -> bool:
    """Is the active language English (the site's other language)?"""
    return (get_language() or "").split("-")[0] == "en"


def shown(name: str, name_en: str) -> str:
    """``name_en`` when English is active and it is not blank, else ``name``."""
    if name_en and english():
        english_name = name_en.strip()
        if english_name:
            return english_name
    return name
