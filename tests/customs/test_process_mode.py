"""Process mode end to end: ``shequn customs-sim`` runs as its own process; the
platform sends its messages over HTTP (HttpGateway) and the simulator pushes
its receipts back to the live server's /api/v1/customs/receipts with the bearer
token, until the paid order is released (Order.cleared_at)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from shequn.core import outbox
from shequn.customs import selectors
from shequn.customs.gateway import platform_cert_file
from shequn.customs.models import Declaration, Message, Receipt
from shequn.customs.sim import cli as sim_cli
from shequn.customs.sim.delivery import HttpDelivery
from shequn.customs.sim.window import Receipt as SimReceipt
from shequn.orders.models import Order
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

TOKEN = "process-mode-token-91e7"
DEADLINE_SECONDS = 20.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"customs-sim exited {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200 and json.loads(resp.read()).get("ok"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"customs-sim did not answer {url}:\n{log.read_text()}")


# PostgreSQL only: on SQLite the live server's thread and the test share one
# in-memory database connection, and concurrent transactions on it break.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_paid_order_is_released_by_receipts_pushed_over_http(live_server, settings):
    port = _free_port()
    shequn = Path(sys.executable).parent / "shequn"
    log = Path(tempfile.mkstemp(prefix="customs-sim-", suffix=".log")[1])
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_RECEIPT_TOKEN": TOKEN,
                       "CUSTOMS_GATEWAY": f"http://127.0.0.1:{port}/ceb"}
    cert = platform_cert_file()  # creates the demo key pair before the sim reads it
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(shequn), "customs-sim", "--port", str(port),
             "--callback", f"{live_server.url}/api/v1/customs/receipts",
             "--callback-token", TOKEN, "--trusted-cert", cert, "--tick-interval", "0.05"],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/health", proc, log)
        sku = make_sku(price="66.00")
        make_stock(make_warehouse(), sku, 5)
        order = place_paid_order(make_buyer(), sku)
        assert order.state == Order.State.PAID and order.cleared_at is None
        # The worker's job: declare (order.paid) and send every queued message.
        for _ in range(10):
            if not outbox.drain():
                break
        sent = list(Message.objects.filter(declaration__order=order)
                    .values_list("kind", "state"))
        assert sorted(sent) == [("CEB311", "sent"), ("CEB411", "sent"), ("CEB511", "sent"),
                                ("CEB621", "sent")], log.read_text()
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end:
            order.refresh_from_db()
            if order.cleared_at is not None:
                break
            time.sleep(0.1)
        assert order.cleared_at is not None, (
            f"not released within {DEADLINE_SECONDS}s; receipts: "
            f"{list(Receipt.objects.values_list('kind', 'return_status', 'outcome'))}\n"
            f"{log.read_text()}")
        declaration = Declaration.objects.get(order=order)
        assert declaration.state in (Declaration.State.RELEASED, Declaration.State.CLOSED)
        assert declaration.invt_no
        # The receipts came in through the HTTP endpoint, not in-process.
        assert Receipt.objects.filter(declaration=declaration, return_status="800",
                                      kind__in=selectors.INVENTORY_RECEIPTS).exists()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.unlink(missing_ok=True)


# ------------------------------------------------- the simulator's side of the token


class _Capture(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(dict(self.headers.items()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _sim_receipt() -> SimReceipt:
    return SimReceipt(message_type="CEB622Message", ref="I1", status="120",
                      return_time="20261125100000000", xml="<x/>", seq=1)


@pytest.mark.parametrize("token", ["s3cret-token", ""])
def test_http_delivery_sends_the_bearer_token_only_when_configured(token):
    _Capture.seen = []
    server = HTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cb"
        HttpDelivery(url, token=token)(_sim_receipt())
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Capture.seen) == 1
    headers = {k.lower(): v for k, v in _Capture.seen[0].items()}
    if token:
        assert headers["authorization"] == f"Bearer {token}"
    else:
        assert "authorization" not in headers
    assert headers["x-ceb-message-type"] == "CEB622Message"


def test_callback_token_from_flag_or_environment_and_never_printed(capsys):
    args = sim_cli.parser().parse_args(["--callback", "http://x/cb", "--callback-token", "flag-t"])
    assert sim_cli.build_config(args, env={}).callback_token == "flag-t"
    args = sim_cli.parser().parse_args(["--callback", "http://x/cb"])
    assert sim_cli.build_config(args, env={"SHEQUN_SIM_CALLBACK_TOKEN": "env-t"}
                                ).callback_token == "env-t"
    assert sim_cli.build_config(args, env={}).callback_token == ""
    assert sim_cli.main(["--callback-token", "very-secret-1", "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert "very-secret-1" not in printed
    assert json.loads(printed)["callback_token"] == "***"
