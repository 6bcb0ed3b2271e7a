"""The simulator as its own process: a small HTTP server (stdlib) plus a thread
that ticks the scheduler and delivers receipts.

* ``POST /ceb`` — body is a CEB message or a DxpMsg. Answers 200 with a JSON ack
  ``{"accepted": true, "copMsgId": …}`` (header ``X-CEB-Accepted: true``), or 200
  with the CEB900 XML (``X-CEB-Accepted: false``) when the message is refused.
  413 above the size limit. With ``drop_rate`` a share of submissions get no
  answer at all: the socket is closed (before or after processing, see config).
* ``GET /health`` — ``{"ok": true, "pending": n}``.
* ``GET /declarations/<invtNo|preNo|copNo>`` — the declaration's state (debugging).
* ``POST /quota`` — ``{"idNumber": …, "year": 2026, "used": "24000"}`` presets a
  buyer's used annual quota (purchases made elsewhere), for -621018 scenarios.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from shequn.customs.ceb.schema import MAX_BYTES
from shequn.customs.sim.window import SingleWindow

log = logging.getLogger("shequn.customs.sim")


class Ticker:
    """Ticks a ``SingleWindow`` every ``interval`` seconds on a daemon thread, so
    receipts flow to its ``deliver`` callback (embedded demo and process mode)."""

    def __init__(self, window: SingleWindow, interval: float | None = None) -> None:
        self.window = window
        self.interval = window.config.tick_interval if interval is None else interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="customs-sim-tick",
                                        daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.window.tick()
            except Exception:  # keep ticking: one bad step must not stop customs
                log.exception("simulator tick failed")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


class SimServer:
    def __init__(self, window: SingleWindow, host: str = "127.0.0.1", port: int = 8790) -> None:
        self.window = window
        self._drop_rng = random.Random(window.config.seed + 1)
        self._drop_lock = threading.Lock()
        self._stop = threading.Event()
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self.ticker = Ticker(window)
        self._serve = threading.Thread(target=self.httpd.serve_forever,
                                       name="customs-sim-http", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def drop(self) -> bool:
        rate = self.window.config.drop_rate
        with self._drop_lock:
            return bool(rate) and self._drop_rng.random() < rate

    def start(self) -> SimServer:
        self._serve.start()
        self.ticker.start()
        return self

    def request_stop(self) -> None:
        """Ask ``serve_forever`` to return (safe from a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self.ticker.stop()
        if self._serve.is_alive():
            self.httpd.shutdown()
            self._serve.join(timeout=5)
        self.httpd.server_close()

    def serve_forever(self) -> None:
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()


def _handler(server: SimServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"),
                       "application/json; charset=utf-8")

        def _hang_up(self) -> None:
            # No status line at all: the client sees the connection closed.
            self.close_connection = True

        def _set_quota(self) -> None:
            try:
                length = min(int(self.headers.get("Content-Length") or "0"), 10_000)
                data = json.loads(self.rfile.read(length))
                server.window.set_quota_used(str(data["idNumber"]), int(data["year"]),
                                             str(data["used"]))
            except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
                return self._json(400, {"error": f"bad quota request: {exc}"})
            self._json(200, {"ok": True})

        def do_POST(self) -> None:
            if self.path.rstrip("/") == "/quota":
                return self._set_quota()
            if self.path.rstrip("/") != "/ceb":
                return self._json(404, {"error": "not found"})
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                return self._json(400, {"error": "bad Content-Length"})
            if length > MAX_BYTES:
                self.close_connection = True
                return self._json(413, {"error": f"payload over {MAX_BYTES} bytes"})
            data = self.rfile.read(length)
            drop = server.drop()
            if drop and not server.window.config.drop_after_processing:
                return self._hang_up()
            result = server.window.submit(data)
            if drop:
                return self._hang_up()
            if result.accepted:
                return self._send(200, json.dumps(result.to_json()).encode("utf-8"),
                                  "application/json", {"X-CEB-Accepted": "true"})
            return self._send(200, result.receipt or b"", "application/xml; charset=utf-8",
                              {"X-CEB-Accepted": "false"})

        def do_GET(self) -> None:
            if self.path == "/health":
                return self._json(200, {"ok": True, "pending": server.window.pending(),
                                        "dead": len(server.window.dead)})
            prefix = "/declarations/"
            if self.path.startswith(prefix):
                state = server.window.declaration(unquote(self.path[len(prefix):]))
                if state is None:
                    return self._json(404, {"error": "unknown declaration"})
                return self._json(200, state)
            return self._json(404, {"error": "not found"})

    return Handler
