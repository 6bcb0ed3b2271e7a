"""Issue 8, "Runtime": the ``staging`` configuration run for real.

gunicorn with two workers on a PostgreSQL database of its own, Redis, RabbitMQ,
a ``shequn worker`` with the outbox relay and the customs single-window
simulator as its own process (``tests/deploy/topology.py``). Two buyers walk a
purchase over HTTP at the same time: sign-in with the code an operator reads in
the staff-only SMS inbox, identity, address, cart, quote, place, the provider's
signed payment notification; then customs clears both orders. The requests
must have been served by both web workers (sessions, CSRF and rate limits are
shared through PostgreSQL and Redis, not process memory). Then ``/readyz`` and
``/metrics``. Nothing here calls Shequn code in-process."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.topology import (
    BANNER,
    Browser,
    Buyer,
    Purchase,
    Topology,
    payments_reader,
    purchase,
    resident_id,
    sms_code_from_inbox,
    staff_sign_in,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

CLEARANCE_TIMEOUT = 90
BUYERS = 2


def _unique_phone() -> str:
    return "139" + f"{uuid.uuid4().int % 10**8:08d}"


def _metrics(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


Outcome = tuple[Purchase, Browser] | BaseException


def _walk(staging: Topology, staff: Browser, inbox_lock: threading.Lock, n: int, sku_id: int,
          results: dict[int, Outcome]) -> None:
    """One buyer's purchase (run in a thread per buyer)."""
    buyer_browser = Browser(staging.web_url)
    payments = payments_reader(staging)

    def read_code(phone: str) -> str:
        with inbox_lock:
            return sms_code_from_inbox(staff, phone)

    def pay(checkout_id: str) -> list[tuple[str, str]]:
        # Before the provider's notification: the buyer cannot use the
        # payment simulator's page to mark the order paid.
        refused = buyer_browser.get(f"/paysim/{checkout_id}/")
        assert refused.status == 403, (refused.status, refused.text[:300])
        return payments(checkout_id)

    try:
        done = purchase(buyer_browser, Buyer(_unique_phone(), resident_id(n + 40)), sku_id,
                        read_code=read_code, payments_of=pay,
                        payment_secret=staging.env["SHEQUN_PAYMENT_SECRET"])
        results[n] = (done, buyer_browser)
    except BaseException as exc:  # reported by the main thread
        results[n] = exc


def test_a_purchase_walks_through_both_web_workers_and_clears(staging: Topology) -> None:
    started = time.monotonic()
    workers = staging.web_worker_pids()
    assert len(workers) == 2, workers

    # The store shows the simulated-environment banner; the page sets the CSRF cookie.
    visitor = Browser(staging.web_url)
    home = visitor.get("/", expect=200)
    assert BANNER in home.text
    assert "strict-transport-security" in home.headers  # HTTPS, as seen behind the proxy

    staff = Browser(staging.web_url)
    staff_sign_in(staff)
    [(sku_id, price)] = staging.sql("SELECT id, price FROM catalog_sku WHERE code = %s",
                                    ["KD-IF3-900"])
    before = staging.requests_by_pid()

    results: dict[int, Outcome] = {}
    inbox_lock = threading.Lock()  # the operator's browser is shared by the buyers' threads
    threads = [threading.Thread(target=_walk,
                                args=(staging, staff, inbox_lock, n, sku_id, results))
               for n in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    walked: list[tuple[Purchase, Browser]] = []
    for n in range(BUYERS):
        outcome = results.get(n)
        if not isinstance(outcome, tuple):
            raise AssertionError(f"buyer {n}: {outcome!r}\n{staging.logs()}")
        walked.append(outcome)

    numbers = [number for done, _ in walked for number in done.orders]
    assert len(numbers) == BUYERS
    for done, browser in walked:
        # Outside demo the code is never in the response: it came from the inbox.
        assert done.otp_answer.get("demo_code") is None, done.otp_answer
        # Paid at once (the notification is applied in its own request) ...
        for number in done.orders:
            order = browser.get(f"/api/v1/orders/{number}", expect=200).json()
            assert order["state"] == "paid", order
            assert Decimal(order["actual_paid"]) > price  # goods plus cross-border tax

    # ... and cleared by customs through the worker, the relay and the simulator.
    def cleared() -> bool:
        for number in numbers:
            answer = staff.get(f"/api/v1/customs/declarations/{number}")
            if answer.status == 404:  # the worker has not declared it yet
                return False
            assert answer.status == 200, answer.text[:300]
            found = answer.json()
            if not (found["state"] in ("released", "closed") and found["released_at"]
                    and found["invt_no"]):
                return False
        return True

    try:
        wait_for(cleared, CLEARANCE_TIMEOUT, "customs clearance of both orders", interval=0.5)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{staging.logs()}") from None
    rows = staging.sql("SELECT number, cleared_at FROM orders_order WHERE number = ANY(%s)",
                       [numbers])
    assert len(rows) == BUYERS and all(at is not None for _, at in rows)

    # Both web workers served the walk (counted per process by /metrics' files).
    after = staging.requests_by_pid()
    served = {pid: after.get(pid, 0) - before.get(pid, 0) for pid in workers}
    assert all(count > 0 for count in served.values()), served
    assert staging.web_worker_pids() == workers  # no worker died on the way

    # Readiness: database, broker and Redis answer (none "embedded" in staging).
    ready = visitor.get("/readyz", expect=200).json()
    assert ready["status"] == "ok"
    assert set(ready["checks"]) == {"database", "broker", "redis"}
    assert all(c["ok"] and not c.get("skipped") for c in ready["checks"].values()), ready

    # Metrics: not public (an outside address through the proxy, no token) ...
    outsider = Browser(staging.web_url, forwarded_for="203.0.113.7")
    assert outsider.get("/metrics").status == 403
    # ... and with the token: request counts and latencies, business series.
    scrape = outsider.get("/metrics", expect=200, headers={
        "Authorization": f"Bearer {staging.env['SHEQUN_METRICS_TOKEN']}"})
    metrics = _metrics(scrape.text)
    placed_requests = sum(value for labels, value in metrics["shequn_http_requests_total"]
                          if labels["route"].endswith("checkout/place")
                          and labels["status"] == "201")
    assert placed_requests == BUYERS
    assert any(name.startswith("shequn_http_request_duration_seconds") for name in metrics)
    [(orders_total,)] = staging.sql("SELECT count(*) FROM orders_order")
    [(applied,)] = staging.sql("SELECT count(*) FROM payments_paymentnotification "
                               "WHERE signature_ok AND outcome = 'applied'")
    assert metrics["shequn_orders_placed_total"] == [({}, float(orders_total))]
    assert metrics["shequn_payments_applied_total"] == [({}, float(applied))]
    assert applied == BUYERS
    released = sum(v for labels, v in metrics["shequn_customs_declarations"]
                   if labels["state"] in ("released", "closed"))
    assert released == BUYERS
    assert "shequn_outbox_backlog" in metrics and "shequn_outbox_dead_letters" in metrics
    assert metrics["shequn_outbox_dead_letters"] == [({}, 0.0)]

    # The whole walk stays well inside the suite's budget.
    assert time.monotonic() - started < CLEARANCE_TIMEOUT + 60


def test_staff_only_simulator_pages(staging: Topology) -> None:
    """The SMS inbox answers an operator and refuses a signed-in buyer."""
    staff = Browser(staging.web_url)
    staff_sign_in(staff)
    assert staff.get("/sim/sms/").status == 200
    buyer = Browser(staging.web_url)
    phone = _unique_phone()
    buyer.post("/api/v1/auth/otp/request", json_body={"phone": phone}, expect=202)
    code = sms_code_from_inbox(staff, phone)
    buyer.post("/api/v1/auth/otp/verify", json_body={"phone": phone, "code": code},
               expect=200)
    assert buyer.get("/sim/sms/").status == 403
    assert buyer.post("/sim/sms/", form={"phone": phone,
                                         "csrfmiddlewaretoken": buyer.csrf}).status == 403
    # Signed out: sent to the sign-in page, not shown the inbox.
    anonymous = Browser(staging.web_url)
    answer = anonymous.get("/sim/sms/")
    assert answer.status == 302 and answer.headers["location"].startswith("/login/")



def test_verify_page_counts_checks_across_workers(staging: Topology) -> None:
    """A buyer's scan of a seeded unit in staging (behind the TLS proxy): the
    first check says so and gives a device cookie fit for HTTPS; checks from
    other phones, on new connections that gunicorn hands to either worker, see
    one count kept in PostgreSQL; an unknown serial of the same product is
    called not genuine."""
    rows = staging.sql("SELECT u.gtin, b.lot, u.serial, u.id FROM trace_unitcode u "
                       "JOIN trace_codebatch b ON b.id = u.batch_id WHERE NOT EXISTS "
                       "(SELECT 1 FROM trace_scan s WHERE s.unit_id = u.id) "
                       "ORDER BY u.id LIMIT 1")
    assert rows, "the demo seed codes units"
    gtin, lot, serial, unit_id = rows[0]
    link = f"/01/{gtin}/10/{lot}/21/{serial}"
    first = Browser(staging.web_url, forwarded_for="203.0.113.7")
    answer = first.get(link, expect=200)
    assert 'data-testid="first-check"' in answer.text
    assert "content-security-policy" in answer.headers
    assert "sq_dev" in first.cookies
    # Check 2: the flags of the device cookie (Browser keeps only values).
    device_cookie = next(c for c in _set_cookies(staging.web_url, link) if c.startswith("sq_dev="))
    assert "Secure" in device_cookie and "HttpOnly" in device_cookie
    for n in range(3, 9):  # the second check was the one above
        phone = Browser(staging.web_url, forwarded_for=f"203.0.113.{n + 10}")
        again = phone.get(link, expect=200)
        assert f'data-testid="repeat-warning" data-count="{n}"' in again.text
    # The same phone again: one more check, no new device.
    assert 'data-count="9"' in first.get(link, expect=200).text
    [(count, devices)] = staging.sql(
        "SELECT count, devices FROM trace_scantally WHERE unit_id = %s", [unit_id])
    assert (count, devices) == (9, 8)
    unknown = Browser(staging.web_url).get(f"/01/{gtin}/21/NOTAREALSERIAL1", expect=404)
    assert 'data-testid="counterfeit-warning"' in unknown.text


def _set_cookies(base_url: str, path: str) -> list[str]:
    """Every Set-Cookie line of a GET behind the TLS proxy (Browser keeps values)."""
    import http.client

    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80,
                                      timeout=30)
    try:
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https",
                                           "X-Forwarded-For": "203.0.113.99"})
        return conn.getresponse().headers.get_all("Set-Cookie") or []
    finally:
        conn.close()
