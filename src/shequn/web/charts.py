"""Chart data for static/js/charts.js, the one ECharts set-up of every console
page: the view builds a spec with translated names, the template renders it with
``json_script`` next to ``<div data-chart="…">`` and loads the two scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BLUE, RED, ORANGE, GREY_BLUE = "#1677ff", "#ff4d4f", "#ff7a45", "#91a7c9"


def series(name: str, data: Sequence[Any], *, kind: str = "bar",
           color: str | None = None) -> dict[str, Any]:
    return {"name": str(name), "type": kind, "data": list(data), "color": color}


def spec(categories: Sequence[str], *lines: dict[str, Any], unit: str = "",
         integer: bool = False) -> dict[str, Any]:
    return {"categories": list(categories), "series": list(lines), "unit": str(unit),
            "integer": integer}
