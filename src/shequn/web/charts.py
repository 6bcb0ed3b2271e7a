"""Chart data for static/js/charts.js, the one ECharts set-up of every console
page: the view builds a spec with translated names, the template renders it with
``json_script`` next to ``<div data-chart="…">`` and loads the two scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BLUE, RED, ORANGE, GREY_BLUE = "#1677ff", "#ff4d4f", "#ff7a45", "#91a7c9"


def series(name: str, data: Sequence[Any], *, kind: str = "bar", color: str | None = None,
           symbol: str = "circle", size: int = 8, width: int = 2, dashed: bool = False,
           area: bool = False) -> dict[str, Any]:
    """One series. Lines of one chart that may carry equal values need their own
    ``symbol`` (an ECharts shape) and ``size``, stroke ``width`` or ``dashed``, or
    ``area`` fill: drawn the same way, the last one hides the other."""
    return {"name": str(name), "type": kind, "data": list(data), "color": color,
            "symbol": symbol, "size": size, "width": width, "dashed": dashed, "area": area}


def spec(categories: Sequence[str], *lines: dict[str, Any], unit: str = "",
         integer: bool = False, title: str = "") -> dict[str, Any]:
    """``title`` names a chart that sits among others (the legend names only series)."""
    return {"categories": list(categories), "series": list(lines), "unit": str(unit),
            "integer": integer, "title": str(title)}
