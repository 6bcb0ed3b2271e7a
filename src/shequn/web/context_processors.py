"""Template context every page gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

# The consoles whose frame shows the unread-notices count.
_CONSOLE_PREFIXES = ("/brand/", "/ops/", "/leader/", "/warehouse/")


def _notice_count(request: HttpRequest) -> Callable[[], int] | int:
    """Unread notices of the signed-in person, for the console frames only: a
    callable, so the one COUNT query runs only if the page shows it (and once)."""
    if not request.path.startswith(_CONSOLE_PREFIXES):
        return 0  # before the user: reading it loads the session
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached: list[int] = []

    def count() -> int:
        if not cached:
            from shequn.core import notices

            cached.append(notices.unread_count(user))
        return cached[0]

    return count


def environment(request: HttpRequest) -> dict[str, Any]:
    """``simulated_env``: staging with any port on a simulator, so every page
    shows the 模拟环境 banner (the demo is a simulation by definition, and
    production refuses simulators). ``notice_count``: unread notices in the
    console frames."""
    ports = settings.SHEQUN.get("SIMULATED_PORTS") or []
    return {"shequn_env": settings.SHEQUN_ENV,
            "simulated_env": settings.SHEQUN_ENV == "staging" and bool(ports),
            "simulated_ports": ports, "notice_count": _notice_count(request)}
