"""JSON log lines for staging and production: one object per line, so a log
shipper needs no parsing rules.

    {"ts": "2025-03-07T08:01:02.345Z", "level": "INFO", "logger": "shequn.orders",
     "message": "...", "request_id": "9f2c...", ...extra fields...}

``extra={...}`` fields of a record become keys of the object; an exception is
one string (``exc``). gunicorn's access records are recognised and carry the
request's method, path (never the query string), status, duration and id as
fields. Built with no arguments (``{"()": "shequn.core.logjson.JsonFormatter"}``)
and without Django settings, so gunicorn's master can use it too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

from shequn.core.requestid import NO_REQUEST, current_request_id

# Attributes every LogRecord has: everything else on a record came from `extra`.
_STANDARD_ATTRS = frozenset(logging.LogRecord(
    "x", logging.INFO, "x", 0, "x", None, None).__dict__) | {"message", "asctime"}

ACCESS_LOGGER = "gunicorn.access"
# gunicorn atom -> field of the JSON access line.
_ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "M": "duration_ms",
                  "B": "bytes", "h": "remote_addr", "{x-forwarded-for}i": "forwarded_for",
                  "a": "user_agent"}


def _iso_utc(created: float) -> str:
    stamp = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for atom, field in _ACCESS_FIELDS.items():
        value = atoms.get(atom)
        if value in (None, "-"):
            continue
        if isinstance(value, str):
            value = value.replace('\\"', '"')  # gunicorn escaped quotes for its own format
        out[field] = value
    for numeric in ("status", "duration_ms", "bytes"):
        try:
            out[numeric] = int(out[numeric])
        except (KeyError, TypeError, ValueError):
            pass
    rid = atoms.get("{x-request-id}o")
    if rid and rid != "-":
        out["request_id"] = rid
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        if not request_id or request_id == NO_REQUEST:
            request_id = current_request_id()
        body: dict[str, Any] = {
            "ts": _iso_utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id,
            # Which gunicorn worker or Celery process wrote it: several share a log.
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in body and not key.startswith("_"):
                body[key] = value
        if record.name == ACCESS_LOGGER and isinstance(record.args, Mapping):
            body.update(_access_fields(record.args))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            body["exc"] = record.exc_text
        if record.stack_info:
            body["stack"] = self.formatStack(record.stack_info)
        return json.dumps(body, ensure_ascii=False, default=str)
