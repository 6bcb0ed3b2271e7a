"""Checks of what a request carries before any of it reaches the database."""

from __future__ import annotations

from django.http import HttpRequest


def has_nul(request: HttpRequest) -> bool:
    """A NUL in the path or in a query parameter's name or value. PostgreSQL
    text cannot hold one, so a filter or lookup naming it raised DataError (a
    500); no id, code, number or search term has one."""
    if "\x00" in request.path_info:
        return True
    return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists())
