"""Request ids (who may set them, the header, the log records) and the JSON
log lines with PII masked."""

from __future__ import annotations

import io
import json
import logging
import os
import re

import pytest
from django.db import OperationalError

from shequn.core import pii
from shequn.core.logjson import JsonFormatter
from shequn.core.requestid import (
    PiiMaskFilter,
    RequestIdFilter,
    current_request_id,
    mask_text,
    request_id_scope,
)
from shequn.web.runtime import health

pytestmark = pytest.mark.django_db

HEX32 = re.compile(r"[0-9a-f]{32}")
PROXY_ID = "edge-7f3a9c1e-42"


# --------------------------------------------------------------------------- header

def test_every_response_gets_a_fresh_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second)
    assert first != second
    assert current_request_id() is None  # nothing leaks out of the request


def test_incoming_id_from_an_untrusted_peer_is_ignored(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=PROXY_ID, REMOTE_ADDR="203.0.113.9")
    assert response["X-Request-ID"] != PROXY_ID
    assert HEX32.fullmatch(response["X-Request-ID"])


def test_incoming_id_from_a_trusted_proxy_is_kept(client, settings):
    settings.SHEQUN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = client.get("/healthz", HTTP_X_REQUEST_ID=PROXY_ID, REMOTE_ADDR="10.0.0.2")
    assert response["X-Request-ID"] == PROXY_ID


@pytest.mark.parametrize("bad", ["short", "x" * 129, "has space-0123", "quote\"0123456",
                                 "line\nbreak-0123", "ünïcode-0123456"])
def test_malformed_id_from_a_trusted_proxy_is_replaced(client, settings, bad):
    settings.SHEQUN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad, REMOTE_ADDR="10.0.0.2")
    assert response["X-Request-ID"] != bad
    assert HEX32.fullmatch(response["X-Request-ID"])


# --------------------------------------------------------------------------- log lines

def _capture(logger_name: str) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PiiMaskFilter())
    logging.getLogger(logger_name).addHandler(handler)
    return stream, handler


def test_records_made_during_a_request_carry_its_id(client, monkeypatch):
    def broken():
        raise OperationalError("down")

    monkeypatch.setattr(health, "_select_one", broken)
    stream, handler = _capture("shequn.runtime")
    try:
        response = client.get("/readyz")
    finally:
        logging.getLogger("shequn.runtime").removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "the failed check was not logged"
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}


def test_json_line_shape_with_masked_phone_and_id():
    stream, handler = _capture("shequn.test.logjson")
    log = logging.getLogger("shequn.test.logjson")
    log.setLevel(logging.INFO)
    phone, id_number = "13912345678", "110105199003071234"
    try:
        with request_id_scope("req-0123456789") as rid:
            log.warning("sms to %s for %s", phone, id_number,
                        extra={"order": "26030700000000017", "qty": 2,
                               "note": f"call +86{phone}"})
        try:
            raise ValueError(f"bad phone {phone}")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert phone not in text and id_number not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert set(first) >= {"ts", "level", "logger", "message", "request_id", "pid"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert first["pid"] == os.getpid()
    assert first["level"] == "WARNING"
    assert first["logger"] == "shequn.test.logjson"
    assert first["request_id"] == rid == "req-0123456789"
    assert first["message"] == f"sms to {pii.mask_phone(phone)} for {pii.mask_id(id_number)}"
    # Extra fields are kept (an order number is not mistaken for personal data).
    assert first["order"] == "26030700000000017"
    assert first["qty"] == 2
    assert first["note"] == f"call +86{pii.mask_phone(phone)}"
    assert second["request_id"] is None  # outside a request
    assert second["level"] == "ERROR"
    assert "ValueError" in second["exc"] and pii.mask_phone(phone) in second["exc"]


def test_mask_text_leaves_other_numbers_alone():
    assert mask_text("order 26030700000000017 qty 13") == "order 26030700000000017 qty 13"
    assert mask_text("amount 139123456789") == "amount 139123456789"  # 12 digits: not a phone
    assert mask_text("id 11010519900307123X.") == f"id {pii.mask_id('11010519900307123X')}."
    assert mask_text("电话13800138000。") == f"电话{pii.mask_phone('13800138000')}。"


def test_a_request_id_whose_digits_read_as_a_phone_is_left_whole():
    # The id of a CI run's lost access line: "14784985472" inside it is a phone's shape.
    rid = "ea4fc165c5dd4fbeac1f14784985472d"
    assert mask_text(f"GET /healthz rid={rid}") == f"GET /healthz rid={rid}"
    assert mask_text(rid) == rid
    # A phone beside it, and one in an all-digit run, are still masked.
    phone = pii.mask_phone("13800138000")
    assert mask_text(f"rid={rid} phone 13800138000") == f"rid={rid} phone {phone}"
    assert mask_text("a13800138000") == f"a{phone}"


def test_plain_format_gets_a_request_id_too():
    record = logging.LogRecord("shequn.x", logging.INFO, __file__, 1, "hello", None, None)
    assert RequestIdFilter().filter(record)
    assert logging.Formatter("%(request_id)s %(message)s").format(record) == "- hello"


def test_gunicorn_access_records_become_fields():
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms({"m": "GET", "U": "/s/shop/", "q": "phone=13912345678", "s": "200",
                       "M": 12, "B": 512, "h": "127.0.0.1", "a": 'curl "x"',
                       "{x-request-id}o": "abc0123456789"})
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '%(m)s %(U)s %(s)s', (atoms,), None)
    assert PiiMaskFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /s/shop/ 200"
    assert line["method"] == "GET" and line["path"] == "/s/shop/"
    assert line["status"] == 200 and line["duration_ms"] == 12 and line["bytes"] == 512
    assert line["request_id"] == "abc0123456789"
    assert line["user_agent"] == 'curl "x"'
    assert "13912345678" not in json.dumps(line)


def test_the_settings_logging_snippet_builds():
    # What LOGGING names, built the way dictConfig builds it (without
    # reconfiguring the test process's logging).
    from logging.config import DictConfigurator

    config = DictConfigurator({})
    formatter = config.configure_formatter({"()": "shequn.core.logjson.JsonFormatter"})
    filters = [config.configure_filter({"()": "shequn.core.requestid.RequestIdFilter"}),
               config.configure_filter({"()": "shequn.core.requestid.PiiMaskFilter"})]
    record = logging.LogRecord("shequn.x", logging.INFO, __file__, 1, "phone %s",
                               ("15011112222",), None)
    assert all(f.filter(record) for f in filters)
    line = json.loads(formatter.format(record))
    assert line["message"] == "phone 150****2222"
    assert line["request_id"] is None
