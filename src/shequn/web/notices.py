"""The notices page every console has (brand, leader, ops, warehouse): the
signed-in person's own notices, newest first, each translated when shown
(core.notices.text); POST marks one or all of them read. Each console's view
checks its own access, then calls :func:`page` with its template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shequn.core import notices
from shequn.core.httpinput import whole_number

LIMIT = 100


def items(user: Any, limit: int = LIMIT) -> list[dict[str, Any]]:
    return [{"id": n.pk, "text": notices.html(n), "url": n.url, "kind": n.kind,
             "created_at": n.created_at, "unread": n.read_at is None}
            for n in notices.for_user(user, limit=limit)]


def page(request: HttpRequest, template: str, **ctx: Any) -> HttpResponse:
    if request.method == "POST":
        raw = request.POST.get("notice", "")
        if raw == "all":
            notices.mark_read(request.user)
        elif (number := whole_number(raw)) is not None:
            notices.mark_read(request.user, [number])
        target = request.POST.get("go", "")
        # Only a local path: a notice's own link, never another site.
        if target.startswith("/") and not target.startswith("//"):
            return redirect(target)
        return redirect(request.path)
    rows = items(request.user)
    return render(request, template, {"notices": rows,
                                      "unread": sum(1 for r in rows if r["unread"]), **ctx})
