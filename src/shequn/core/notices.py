"""Notices: short messages to people, shown in their console.

Domains call :func:`notify` inside their own transaction (a notice exists only if
what it tells about happened). The message is an English msgid marked with
``gettext_noop`` by the caller; it is translated when shown (:func:`text`), in the
reader's language, with ``params`` filled in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from shequn.core import clock
from shequn.core.models import Notice


def notify(users: Iterable[Any], kind: str, message: str, url: str = "",
           **params: Any) -> int:
    """One notice per distinct user; returns how many were written."""
    seen: set[int] = set()
    rows = []
    for user in users:
        uid = user if isinstance(user, int) else user.pk
        if uid in seen:
            continue
        seen.add(uid)
        rows.append(Notice(user_id=uid, kind=kind, message=message[:300], url=url[:300],
                           params={k: str(v) for k, v in params.items()}))
    Notice.objects.bulk_create(rows)
    return len(rows)


def for_user(user: Any, unread_only: bool = False, limit: int = 50) -> QuerySet[Notice]:
    qs = Notice.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs[:limit]


def unread_count(user: Any) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


@transaction.atomic
def mark_read(user: Any, notice_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (all of them when ``notice_ids`` is None);
    another user's ids are ignored."""
    qs = Notice.objects.filter(user=user, read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=list(notice_ids))
    return qs.update(read_at=clock.now())


_TERM = "\u0004"


def term(msgid: str, context: str = "") -> str:
    """A parameter that is interface text (a status, a kind), not data: kept as
    its English msgid and translated when the notice is shown, in the reader's
    language. Data (names, numbers) is passed as is and never translated."""
    return f"{context}{_TERM}{msgid}"


def _param(value: str) -> str:
    if _TERM not in value:
        return value
    context, msgid = value.split(_TERM, 1)
    return pgettext(context, msgid) if context else gettext(msgid)


def html(notice: Notice) -> SafeString:
    """The notice in the active language as HTML: the data in it (names,
    numbers) wrapped as ``<span translate="no">`` and escaped, so the page keeps
    one interface language (issue 9) while names stay as entered."""
    message = gettext(notice.message)
    params = {}
    for key, value in notice.params.items():
        value = str(value)
        if _TERM in value:
            params[key] = escape(_param(value))
        else:
            params[key] = format_html('<span translate="no">{}</span>', value)
    try:
        return mark_safe(escape(message).format(**params))  # noqa: S308 (escaped above)
    except (KeyError, IndexError, ValueError):
        return escape(message)


def text(notice: Notice) -> str:
    """The notice in the active language."""
    message = gettext(notice.message)
    try:
        return message.format(**{k: _param(str(v)) for k, v in notice.params.items()})
    except (KeyError, IndexError, ValueError):
        return message
