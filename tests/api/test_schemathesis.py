"""Schemathesis over the whole published OpenAPI (/api/openapi.json), in process
through the Django WSGI application, as anonymous, buyer, leader and operator.

Every operation gets a bounded number of generated requests (valid and
invalid ones) with a fixed seed (derandomized, no example database), so a run
is the same every time and stays within about a minute. Checks: no 5xx, the
status code is one the schema declares, the body conforms to the schema of
that status. A failure lists every operation that failed, not just the first.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from shequn.demo import seeding as demo

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Signing out mid-run would leave the rest of the role's run anonymous.
SKIP_WHEN_SIGNED_IN = {("POST", "/api/v1/auth/logout")}

ROLES: dict[str, Callable[[demo.DemoData], Any]] = {
    "anonymous": lambda data: None,
    "buyer": lambda data: data.buyer,
    "leader": lambda data: data.leader,
    "operator": lambda data: data.operator,
}


@pytest.fixture
def _keep_test_connection():
    """Django closes the database connection when a request starts and finishes; inside the
    test's transaction that would drop it (PostgreSQL). The test client turns
    this off for its requests; schemathesis calls the WSGI handler itself."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _session(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The CSRF header and the cookies a (signed-in) browser would send."""
    csrf = secrets.token_urlsafe(24)[:32].ljust(32, "x")
    csrf = "".join(c if c.isalnum() else "x" for c in csrf)  # the CSRF secret alphabet
    cookies = {settings.CSRF_COOKIE_NAME: csrf}
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"X-CSRFToken": csrf}, cookies


def _run_operation(operation: Any, headers: dict[str, str], cookies: dict[str, str],
                   seen: set[int]) -> str | None:
    """Generated requests against one operation; the first failure as text, or None."""
    strategy = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                         operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

    @hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None,
                         deadline=None, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(headers=headers, cookies=cookies)
        seen.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # reported below, with the operation
        return f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}"
    return None


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.usefixtures("_keep_test_connection")
def test_no_server_error_and_conforming_responses(role: str) -> None:
    data = demo.seed()
    user = ROLES[role](data)
    headers, cookies = _session(user)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if user is not None and (operation.method.upper(), operation.path) in SKIP_WHEN_SIGNED_IN:
            continue
        operations += 1
        seen = statuses.setdefault(f"{operation.method.upper()} {operation.path}", set())
        failure = _run_operation(operation, headers, cookies, seen)
        if failure:
            failures.append(failure)
    assert operations >= 30  # the whole API was found, not an empty schema
    assert not failures, "\n\n".join(failures)
    # The role really was signed in (session cookie and CSRF header accepted):
    me = statuses["GET /api/v1/auth/me"]
    assert me == ({401} if user is None else {200})
    if user is not None:  # a session POST got past CSRF to validation or the domain
        assert statuses["POST /api/v1/cart/items"] - {403}
