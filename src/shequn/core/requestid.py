"""Request ids and the logging filters that go with them.

Every request gets an id that is returned as ``X-Request-ID``, written to the
access log and to every log record made while the request is served, so one
line in a log leads to all the others. An incoming ``X-Request-ID`` is kept
only when a trusted proxy (``SHEQUN_TRUSTED_PROXIES``) sent it and it is well
formed: anyone else could use it to forge or mix up log trails.

``PiiMaskFilter`` is a safety net under the masking the code already does:
mainland mobile numbers and resident ID numbers that still reach a log
message are masked the way ``shequn.core.pii`` masks them.

Both filters are built with no arguments (``{"()": "shequn.core.requestid.X"}``
in ``LOGGING``) and import nothing that needs Django settings, so gunicorn's
master can use them too.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from shequn.core import netaddr
from shequn.core.pii import mask_id, mask_phone

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# What a proxy may hand us: uuids, hex, nginx's $request_id, trace-ish ids.
# Nothing that could break a log line or a header (no spaces, quotes, newlines).
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# What records carry when no request is being served (plain formats need a value).
NO_REQUEST = "-"

_current: ContextVar[str | None] = ContextVar("shequn_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request this code runs for, or None outside a request."""
    return _current.get()


def is_well_formed(value: str | None) -> bool:
    return bool(value) and _WELL_FORMED.fullmatch(value or "") is not None


@contextmanager
def request_id_scope(request_id: str | None = None) -> Iterator[str]:
    """Run a block under a request id (a job continuing a request's work, a
    command); a new one when none is given."""
    rid = request_id if request_id and is_well_formed(request_id) else new_request_id()
    token = _current.set(rid)
    try:
        yield rid
    finally:
        _current.reset(token)


def incoming_request_id(request: HttpRequest) -> str | None:
    """The proxy's id for this request, when we may believe it."""
    value = request.META.get(_META_KEY, "")
    if is_well_formed(value) and netaddr.from_trusted_proxy(request):
        return str(value)
    return None


class RequestIdMiddleware:
    """Gives every request an id: ``request.request_id``, the context of every
    log record made while serving it, and the ``X-Request-ID`` response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = incoming_request_id(request) or new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        token = _current.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = rid
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request), so plain
    formats can say ``%(request_id)s``. A value passed in ``extra`` wins."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or NO_REQUEST
        return True


# 11-digit mainland mobile numbers (1[3-9]…), optionally after the 86 country
# code; digits on either side mean it is part of a longer number, not a phone.
_PHONE = re.compile(r"(?<!\d)((?:\+?86[ -]?)?)(1[3-9]\d{9})(?!\d)")
# 18-character resident ID numbers: 17 digits and a digit or X check character.
_RESIDENT_ID = re.compile(r"(?<!\d)(\d{17}[\dXx])(?![\dA-Za-z])")


# A request id (32 lower-case hex characters, at least one a letter): a run of
# its digits can read as a phone ("…f14784985472d"), and masking it broke the
# id that ties a request's log lines together. Such tokens are left whole.
_HEX_ID = re.compile(r"(?<![0-9A-Za-z])((?=[0-9a-f]*[a-f])[0-9a-f]{32})(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """``text`` with every phone and resident ID number in it masked."""
    if not any(ch.isdigit() for ch in text):
        return text  # the common case, cheaply
    parts = _HEX_ID.split(text)
    if len(parts) > 1:  # odd indexes are the ids split out
        return "".join(part if i % 2 else _mask_numbers(part) for i, part in enumerate(parts))
    return _mask_numbers(text)


def _mask_numbers(text: str) -> str:
    text = _RESIDENT_ID.sub(lambda m: mask_id(m.group(1)), text)
    return _PHONE.sub(lambda m: m.group(1) + mask_phone(m.group(2)), text)


_STANDARD_ATTRS = frozenset(logging.LogRecord(
    "x", logging.INFO, "x", 0, "x", None, None).__dict__) | {"message", "asctime"}


class PiiMaskFilter(logging.Filter):
    """Masks phones and ID numbers in the message, its arguments, string extra
    fields and the exception text of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        if mask_text(message) != message:
            self._mask_message(record)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, mask_text(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True

    @staticmethod
    def _mask_message(record: logging.LogRecord) -> None:
        # Mask the arguments where they are, so formatters that read them (the
        # JSON access log reads gunicorn's dict of atoms) still find them.
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):
            for key, value in list(args.items()):
                if isinstance(value, str):
                    args[key] = mask_text(value)
        elif isinstance(args, tuple):
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            # Still there (an argument that is not a string): the rendered,
            # masked text replaces message and arguments.
            record.msg, record.args = masked, None
