"""Errors of forms with numbered lines (an ASN's lines, its receiving counts):
the message names the line it is about, in the page's language."""

from __future__ import annotations

from django.utils.translation import gettext

from shequn.core.errors import DomainError


def error_line(err: DomainError | None) -> int | None:
    """The line number an error is about, if it names one."""
    line = err.detail.get("line") if err is not None else None
    try:
        return int(line) if line is not None else None
    except (TypeError, ValueError):
        return None


def line_message(err: DomainError) -> str:
    """"第 3 行：…" / "Line 3: …", or the plain message when no line is named."""
    line = error_line(err)
    if line is None:
        return err.message
    return gettext("Line %(line)s: %(message)s") % {"line": line, "message": err.message}
