"""The simulator over real sockets: HTTP intake, callback delivery, dropped
connections, and the ``shequn customs-sim`` process."""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree

from shequn.customs.ceb.schema import CEB_NS, DXP_NS
from shequn.customs.sim import SimConfig, SingleWindow
from shequn.customs.sim.delivery import HttpDelivery
from shequn.customs.sim.server import SimServer
from tests.customs import sim_messages as m


class Receiver:
    """Shequn's side of the callback: collects what customs posts."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.fail_left = fail_first
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    if receiver.fail_left > 0:
                        receiver.fail_left -= 1
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    receiver.bodies.append(body)
                    receiver.headers.append(dict(self.headers))
                self.send_response(204)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/customs/receipts"

    def statuses(self, msg_type: str) -> list[str]:
        out = []
        with self.lock:
            bodies = list(self.bodies)
        for body in bodies:
            root = etree.fromstring(body)
            if etree.QName(root).localname == "DxpMsg":
                root = etree.fromstring(base64.b64decode(root.findtext(f"{{{DXP_NS}}}Data")))
            if etree.QName(root).localname == msg_type:
                out.append(root.findtext(f".//{{{CEB_NS}}}returnStatus")
                           or root.findtext(f".//{{{CEB_NS}}}status") or "")
        return out

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def post(url: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url + "/ceb", data=data, method="POST",
                                     headers={"Content-Type": "application/xml"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, dict(response.headers), response.read()


def get(url: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def start(receiver: Receiver, **changes: object) -> SimServer:
    config = SimConfig(accept_unsigned=True, tick_interval=0.02, retry_backoff=0.05,
                       **changes)  # type: ignore[arg-type]
    deliver = HttpDelivery(receiver.url, wrap=config.wrap_dxp)
    return SimServer(SingleWindow(config, deliver=deliver), "127.0.0.1", 0).start()


def test_full_clearance_over_http(receiver: Receiver) -> None:
    sim = start(receiver)
    try:
        p = m.purchase(1)
        for data in (m.order_xml(p), m.payment_xml(p), m.waybill_xml(p)):
            status, headers, body = post(sim.url, data)
            assert status == 200 and headers["X-CEB-Accepted"] == "true"
            ack = json.loads(body)
            assert ack["accepted"] is True and len(ack["copMsgId"]) == 36
        wait_for(lambda: receiver.statuses("CEB512Message") == ["2", "120"])
        assert receiver.statuses("CEB312Message") == ["2", "120"]
        post(sim.url, m.inventory_xml(p))
        wait_for(lambda: receiver.statuses("CEB622Message") == ["2", "120", "800", "899"])
        wait_for(lambda: receiver.statuses("CEB816Message") == ["1"])
        assert all(h["Content-Type"].startswith("application/xml") for h in receiver.headers)
        status, state = get(f"{sim.url}/declarations/{p.cop_no}")
        assert status == 200 and state["state"] == "closed"
        assert get(f"{sim.url}/declarations/{state['invtNo']}")[1] == state
        assert get(f"{sim.url}/declarations/NOPE")[0] == 404
        status, health = get(f"{sim.url}/health")
        assert status == 200 and health["ok"] is True
    finally:
        sim.stop()


def test_quota_preset_over_http_leads_to_621018(receiver: Receiver) -> None:
    sim = start(receiver)
    try:
        p = m.purchase(7, lines=(m.Line("面霜", Decimal(1), Decimal("2500")),))
        body = json.dumps({"idNumber": p.buyer_id, "year": 2026, "used": "24000"}).encode()
        request = urllib.request.Request(sim.url + "/quota", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        year = sim.window.quota_used(p.buyer_id, 2026)
        assert year == Decimal(24000)
        for data in (m.order_xml(p), m.payment_xml(p), m.waybill_xml(p)):
            post(sim.url, data)
        wait_for(lambda: len(receiver.statuses("CEB512Message")) == 2)
        post(sim.url, m.inventory_xml(p))
        wait_for(lambda: receiver.statuses("CEB622Message") == ["2", "-621018"])
        bad = urllib.request.Request(sim.url + "/quota", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(bad, timeout=5)
        assert err.value.code == 400
    finally:
        sim.stop()


def test_invalid_message_answered_with_ceb900(receiver: Receiver) -> None:
    sim = start(receiver)
    try:
        status, headers, body = post(sim.url, b"<nonsense/>")
        assert status == 200 and headers["X-CEB-Accepted"] == "false"
        assert etree.QName(etree.fromstring(body)).localname == "CEB900Message"
        wait_for(lambda: len(receiver.statuses("CEB900Message")) == 1)
    finally:
        sim.stop()


def test_dropped_connection_before_processing(receiver: Receiver) -> None:
    sim = start(receiver, drop_rate=1.0)
    try:
        p = m.purchase(2)
        with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError,
                            ConnectionError)):
            post(sim.url, m.order_xml(p))
        time.sleep(0.2)
        assert sim.window.orders == {} and sim.window.pending() == 0
    finally:
        sim.stop()


def test_dropped_connection_after_processing_keeps_the_message(receiver: Receiver) -> None:
    sim = start(receiver, drop_rate=1.0, drop_after_processing=True)
    try:
        p = m.purchase(3)
        data = m.order_xml(p)
        with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError,
                            ConnectionError)):
            post(sim.url, data)
        wait_for(lambda: receiver.statuses("CEB312Message") == ["2", "120"])
        # the sender retries the same message: acknowledged, not processed twice
        sim.window.config = replace(sim.window.config, drop_rate=0.0)
        status, _, body = post(sim.url, data)
        assert status == 200 and json.loads(body)["resubmitted"] is True
        time.sleep(0.2)
        assert receiver.statuses("CEB312Message") == ["2", "120"]
    finally:
        sim.stop()


def test_callback_failures_are_retried() -> None:
    flaky = Receiver(fail_first=3)
    sim = start(flaky)
    try:
        post(sim.url, m.order_xml(m.purchase(4)))
        wait_for(lambda: sorted(flaky.statuses("CEB312Message")) == ["120", "2"])
        assert sim.window.dead == []
    finally:
        sim.stop()
        flaky.close()


def test_receipts_wrapped_in_dxp(receiver: Receiver) -> None:
    sim = start(receiver, wrap_dxp=True)
    try:
        post(sim.url, m.order_xml(m.purchase(5)))
        wait_for(lambda: receiver.statuses("CEB312Message") == ["2", "120"])
        root = etree.fromstring(receiver.bodies[0])
        assert etree.QName(root).localname == "DxpMsg"
        assert root.findtext(f".//{{{DXP_NS}}}MsgType") == "CEB312Message"
        assert root.findtext(f".//{{{DXP_NS}}}SenderId") == "DXPEDCCEB0000002"
    finally:
        sim.stop()


def test_oversized_payload_is_refused(receiver: Receiver) -> None:
    from shequn.customs.ceb.schema import MAX_BYTES

    sim = start(receiver)
    try:
        conn = http.client.HTTPConnection(*sim.address, timeout=5)
        conn.putrequest("POST", "/ceb")
        conn.putheader("Content-Length", str(MAX_BYTES + 1))
        conn.endheaders()
        assert conn.getresponse().status == 413
        conn.close()
    finally:
        sim.stop()


def test_cli_process_serves_and_stops_on_sigterm(receiver: Receiver, tmp_path: Path) -> None:
    config = tmp_path / "sim.json"
    config.write_text(json.dumps({"accept_unsigned": True, "delay": 0, "tick_interval": 0.05}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shequn.cli", "customs-sim", "--port", "0", "--callback",
         receiver.url, "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.split()[3]
        assert get(f"{url}/health")[1]["ok"] is True
        p = m.purchase(6)
        for data in (m.order_xml(p), m.payment_xml(p), m.waybill_xml(p)):
            post(url, data)
        wait_for(lambda: len(receiver.statuses("CEB512Message")) == 2)
        post(url, m.inventory_xml(p))
        wait_for(lambda: receiver.statuses("CEB622Message") == ["2", "120", "800", "899"])
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
