"""Template context every page gets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def environment(request: HttpRequest) -> dict[str, Any]:
    """``simulated_env``: staging with any port on a simulator, so every page
    shows the 模拟环境 banner (the demo is a simulation by definition, and
    production refuses simulators)."""
    ports = settings.SHEQUN.get("SIMULATED_PORTS") or []
    return {"shequn_env": settings.SHEQUN_ENV,
            "simulated_env": settings.SHEQUN_ENV == "staging" and bool(ports),
            "simulated_ports": ports}
